// The AggregateStore contract on chDB, plus what only the embedded engine has to prove: one data
// directory per process, and acknowledged upserts surviving kill -9 of the writing process.
//
// chDB binds one data directory per process (another may open only after close()), so the whole
// contract shares one directory and relies on unique view names; each store is closed before the
// next opens.

import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { ClickHouseAggregateStore } from '../../src/adapters/clickhouse/clickhouse-aggregate-store';
import { ChdbExecutor } from '../../src/adapters/embedded/chdb-executor';
import { GatewayError } from '../../src/errors/gateway-error';
import { tempDir } from '../helpers/temp-dir';
import { describeAggregateStoreContract } from './aggregate-store.contract';

const dataDir = tempDir('tributary-chdb-');

describeAggregateStoreContract('chDB', async ({ migrationsDir }) =>
  new ClickHouseAggregateStore(ChdbExecutor.open(dataDir), { migrationsDir }),
);

// jiti (present through vitest/vite) runs the TypeScript sources in a child process without a build.
function jitiCli(): string | undefined {
  try {
    const cli = path.join(path.dirname(require.resolve('jiti/package.json')), 'lib', 'jiti-cli.mjs');
    return existsSync(cli) ? cli : undefined;
  } catch {
    return undefined;
  }
}

describe('chDB embedded engine', () => {
  it('keeps its data under <dataDir>/chdb and refuses a second open in the same process', async () => {
    const store = new ClickHouseAggregateStore(ChdbExecutor.open(dataDir));
    try {
      expect(existsSync(path.join(dataDir, 'chdb', 'metadata'))).toBe(true);
      expect(() => ChdbExecutor.open(tempDir('tributary-chdb-other-'))).toThrow(/one data directory per process/);
    } finally {
      await store.close();
    }
    await expect(store.query({ view: 'closed' })).rejects.toSatisfy((e) => GatewayError.is(e, 'SHUTTING_DOWN'));
  });

  const cli = jitiCli();
  if (!cli) console.warn('SKIPPED: kill -9 durability test (jiti not found to run the TypeScript child process)');

  it.skipIf(!cli)('keeps every acknowledged upsert after the writing process is killed with SIGKILL', async () => {
    const killDir = tempDir('tributary-chdb-kill-');
    const child = path.join(killDir, 'writer.ts');
    const src = path.resolve(__dirname, '../../src/adapters');
    writeFileSync(
      child,
      `import { ClickHouseAggregateStore } from ${JSON.stringify(`${src}/clickhouse/clickhouse-aggregate-store`)};
import { ChdbExecutor } from ${JSON.stringify(`${src}/embedded/chdb-executor`)};
const store = new ClickHouseAggregateStore(ChdbExecutor.open(process.argv[2]));
void (async () => {
  await store.migrate();
  for (let i = 0; ; i++) {
    await store.upsert([{ view: 'killed', windowStart: i, windowEnd: i + 1, key: {}, values: { i }, eventCount: 1, final: false, revision: 1, updatedAt: i }]);
    process.stdout.write('ack ' + i + '\\n');
  }
})();
`,
    );

    const lastAck = await new Promise<number>((resolve, reject) => {
      const proc = spawn(process.execPath, [cli!, child, killDir], { stdio: ['ignore', 'pipe', 'inherit'] });
      let last = -1;
      let output = '';
      proc.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const acks = output.match(/ack (\d+)\n/g);
        if (acks) last = Number(acks[acks.length - 1].slice(4));
        if (last >= 50) proc.kill('SIGKILL');
      });
      proc.on('error', reject);
      proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(last) : reject(new Error(`writer exited with ${code}`))));
    });

    const store = new ClickHouseAggregateStore(ChdbExecutor.open(killDir));
    try {
      const rows = await store.query({ view: 'killed' });
      // Every acknowledged write is there; one more may have landed between its write and its ack.
      expect(rows.length).toBeGreaterThanOrEqual(lastAck + 1);
      expect(rows.slice(0, lastAck + 1).map((r) => r.values.i)).toEqual(Array.from({ length: lastAck + 1 }, (_, i) => i));
    } finally {
      await store.close();
    }
  });
});
