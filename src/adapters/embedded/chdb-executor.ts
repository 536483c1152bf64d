// SqlExecutor on chDB (ClickHouse in-process): one Session per process at `<dataDir>/chdb`, every
// statement queued behind the previous one, and run with queryAsync on a libuv worker thread.
//
// Findings (chdb 3.4.0, engine 26.7) that shaped this file:
// - `Session.queryAsync` runs off the main thread: a 370 ms query let a 10 ms setInterval tick 32
//   times; the same query through `Session.query` let it tick once. So nothing here blocks the loop.
// - An INSERT that has returned survives `kill -9` of the process (probed by killing a writer
//   mid-stream: every acknowledged insert was there on reopen). That is page-cache durability;
//   `fsync_after_insert`/`fsync_part_directory` (MergeTree settings, settable only in a config file)
//   extend it to power loss for ~3 ms per INSERT, and are on by default because the stream
//   processor commits offsets in an fsynced LMDB transaction right after the aggregate write.
// - chDB 26 defaults to async_insert=1 (with wait=1); we pin async_insert=0 so an INSERT returns
//   only after its part is written, the same contract as a ClickHouse server, whatever the default.
// - Only one data directory may be open per process; after close() another one may be opened.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Session } from 'chdb';

import { GatewayError } from '../../errors/gateway-error';
import { JSON_OUTPUT_SETTINGS, SqlExecutor, StatementQueue, clickHouseError, parseJsonEachRow } from '../clickhouse/sql-executor';

export interface ChdbExecutorOptions {
  /** fsync every inserted part and its directory (power-loss durability). Default true. */
  fsync?: boolean;
}

const FSYNC_CONFIG = `<clickhouse>
  <merge_tree>
    <fsync_after_insert>1</fsync_after_insert>
    <fsync_part_directory>1</fsync_part_directory>
  </merge_tree>
</clickhouse>
`;

// The engine is a process-wide singleton; remembering the open directory lets us refuse a second
// open with a message that says why, instead of chDB's "only one active data directory".
let openDirectory: string | undefined;

export class ChdbExecutor implements SqlExecutor {
  private readonly queue = new StatementQueue();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly session: Session,
    readonly directory: string,
  ) {}

  /** Opens (creating if needed) the chDB database under `<dataDir>/chdb`. */
  static open(dataDir: string, options: ChdbExecutorOptions = {}): ChdbExecutor {
    const directory = path.resolve(dataDir, 'chdb');
    if (openDirectory !== undefined) {
      throw new GatewayError(
        'STORAGE_UNAVAILABLE',
        `chDB already has ${openDirectory} open in this process; it allows one data directory per process, so close that store first`,
      );
    }
    const args = Object.entries(JSON_OUTPUT_SETTINGS).map(([name, value]) => `--${name}=${value}`);
    args.push('--async_insert=0');
    try {
      mkdirSync(directory, { recursive: true });
      if (options.fsync ?? true) {
        const configFile = path.resolve(dataDir, 'chdb.xml');
        writeFileSync(configFile, FSYNC_CONFIG);
        args.push(`--config-file=${configFile}`);
      }
      const session = new Session(directory, { connectionArgs: args });
      openDirectory = directory;
      return new ChdbExecutor(session, directory);
    } catch (error) {
      throw new GatewayError('STORAGE_UNAVAILABLE', `cannot open chDB at ${directory}: ${(error as Error).message}`, {
        retriable: true,
        cause: error,
      });
    }
  }

  async command(sql: string): Promise<void> {
    await this.run(sql, 'CSV');
  }

  async queryRows<T>(sql: string): Promise<T[]> {
    return parseJsonEachRow<T>(await this.run(sql, 'JSONEachRow'));
  }

  /** Waits for queued statements, then releases the directory. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.queue.drained().then(() => {
      this.session.close();
      openDirectory = undefined;
    });
    return this.closing;
  }

  private run(sql: string, format: string): Promise<string> {
    if (this.closing !== undefined) {
      return Promise.reject(new GatewayError('SHUTTING_DOWN', `chDB at ${this.directory} is closed`));
    }
    return this.queue.enqueue(async () => {
      try {
        return (await this.session.queryAsync(sql, { format })).text();
      } catch (error) {
        throw clickHouseError(error, sql, (error as { clickhouseCode?: number }).clickhouseCode);
      }
    });
  }
}
