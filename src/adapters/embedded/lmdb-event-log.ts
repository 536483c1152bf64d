// The embedded EventLog: records in one LMDB sub-database keyed by [topic, offset], each append one
// atomic write transaction that is acknowledged only once committed and fsynced. Every topic has one
// partition, so a consumer group has one member at a time (this process); its committed offsets live
// in a second sub-database.
//
// Records are msgpack records with shared structures (sub-database "event-records"): every view
// decodes every event, and records decode several times faster than plain maps. Data directories
// from before keep their records as plain maps in "events"; the two layouts cannot share one
// sub-database (a map's small integers would read as structure references), so opening the log moves
// them over, chunk by chunk, each chunk written to one and deleted from the other in one transaction:
// a move a crash interrupted goes on where it stopped.

import { asBinary, type Binary, type Database } from 'lmdb';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import { sleep } from '../../errors/retry';
import { PartitionRewind, type AppendAck, type AppendOptions, type ConsumeOptions, type EventLog, type GroupMember, type LogRecord } from '../../ports/event-log';
import { checkAppendInput, checkCount, checkPartitionsExist } from '../event-log-input';
import { durable, encodeForPut, encodeValue, reloadSharedStructures, shuttingDown, type LmdbRoot } from './lmdb-root';

type RecordKey = [topic: string, offset: number];
type GroupOffsetKey = [group: string, topic: string];

/** LMDB keys are limited to 1,978 bytes; the offset and the key encoding need the rest. */
const MAX_TOPIC_BYTES = 1_000;
/** Longest timer Node accepts; a longer wait would fire at once. */
const MAX_WAIT_MS = 2 ** 31 - 1;
/** How long a consumer sleeps when it has read everything, unless an append wakes it first. */
const CONSUMER_IDLE_MS = 250;
/** Pause before a consumer whose handler failed gets its partition again. */
const CONSUMER_RETRY_MS = 1_000;

export class LmdbEventLog implements EventLog {
  private readonly db: Database<unknown, RecordKey>;
  private readonly groupOffsets: Database<number, GroupOffsetKey>;
  /** Next offset per topic, as far as durable appends go; recovered from the last key at open. */
  private readonly ends = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly root: LmdbRoot) {
    this.db = root.acquire<unknown, RecordKey>('event-records', { sharedStructures: true });
    this.groupOffsets = root.acquire<number, GroupOffsetKey>('group-offsets');
    try {
      const legacy = root.acquire<unknown, RecordKey>('events');
      try {
        moveRecords(legacy, this.db);
      } finally {
        void root.release();
      }
      this.recoverEnds();
    } catch (cause) {
      void root.release();
      void root.release();
      throw storageUnavailable('cannot read the event log', cause);
    }
  }

  async append(topic: string, values: readonly unknown[], options: AppendOptions = {}): Promise<AppendAck> {
    this.assertOpen();
    checkTopic(topic);
    checkAppendInput(values, options);
    checkPartitionsExist(options, topic, 1);
    if (values.length === 0) return { baseOffset: this.ends.get(topic) ?? 0, count: 0 };
    // Encoding first means the transaction callback below cannot throw half-way through its puts:
    // lmdb-js commits a batch even when one of its callbacks throws, so a throw there would leave
    // part of this append in the log.
    const encoded = values.map((value, i) => encodeForPut(this.db, value, `values[${i}]`));
    let baseOffset: number;
    try {
      const written = this.db.transaction(() => {
        // Offsets come from the log itself, inside the transaction: callbacks run one at a time in
        // call order, so concurrent appends get consecutive ranges and a failed commit leaves no gap.
        const base = lastOffset(this.db, topic) + 1;
        for (let i = 0; i < encoded.length; i++) this.db.put([topic, base + i], encoded[i]);
        return base;
      });
      baseOffset = await this.track(durable(this.db, written));
    } catch (cause) {
      reloadSharedStructures(this.db); // a structure saved with the failed batch would not be on disk
      throw storageUnavailable(`cannot append ${values.length} records to topic "${topic}"`, cause);
    }
    const end = baseOffset + values.length;
    if (end > (this.ends.get(topic) ?? 0)) this.ends.set(topic, end);
    this.wakeWaiters();
    return { baseOffset, count: values.length };
  }

  async read<T = unknown>(topic: string, fromOffset: number, maxRecords: number, partition = 0): Promise<LogRecord<T>[]> {
    this.assertOpen();
    checkCount(fromOffset, 'fromOffset');
    checkCount(maxRecords, 'maxRecords');
    checkPartition(partition);
    if (maxRecords === 0) return [];
    try {
      const records: LogRecord<T>[] = [];
      const range = this.db.getRange({ start: [topic, fromOffset], end: [topic, Infinity], limit: maxRecords });
      for (const { key, value } of range) records.push({ offset: key[1], value: value as T });
      return records;
    } catch (cause) {
      throw storageUnavailable(`cannot read topic "${topic}" from offset ${fromOffset}`, cause);
    }
  }

  async endOffset(topic: string, partition = 0): Promise<number> {
    this.assertOpen();
    checkPartition(partition);
    return this.ends.get(topic) ?? 0;
  }

  async partitionCount(topic: string): Promise<number> {
    this.assertOpen();
    checkTopic(topic);
    return 1;
  }

  async createTopic(topic: string): Promise<number> {
    return this.partitionCount(topic);
  }

  async topics(): Promise<string[]> {
    this.assertOpen();
    return [...this.ends.keys()].sort();
  }

  /** A file in this process's data directory: reachable while open. */
  async reachable(): Promise<void> {
    this.assertOpen();
  }

  waitForAppend(timeoutMs: number): Promise<void> {
    if (this.closing) return Promise.reject(shuttingDown('event log'));
    if (Number.isNaN(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new GatewayError('BAD_USER_INPUT', `timeoutMs must be a number >= 0; got ${timeoutMs}`, { path: 'timeoutMs' }));
    }
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.min(timeoutMs, MAX_WAIT_MS));
      this.waiters.add(wake);
    });
  }

  async consume<T>(group: string, topic: string, member: GroupMember<T>, { maxRecords, signal }: ConsumeOptions): Promise<void> {
    this.assertOpen();
    checkTopic(topic);
    checkCount(maxRecords, 'maxRecords');
    const key: GroupOffsetKey = [group, topic];
    member.assigned([0]);
    let offset = this.groupOffsets.get(key) ?? 0;
    while (!signal.aborted && !this.closing) {
      // Register for the wake-up before reading, so an append in between is not missed.
      const appended = this.waitForAppend(CONSUMER_IDLE_MS);
      const records = await this.read<T>(topic, offset, maxRecords);
      if (records.length === 0) {
        await appended;
        continue;
      }
      try {
        const commit = await member.handle({ topic, partition: 0, records, endOffset: this.ends.get(topic) ?? 0 });
        if (commit !== undefined) await this.commit(key, commit);
        offset = records[records.length - 1].offset + 1;
      } catch (error) {
        // The member reports its own failure; the partition is delivered again from the last commit.
        if (signal.aborted || this.closing) break;
        if (error instanceof PartitionRewind) {
          offset = error.offset;
          continue;
        }
        await sleep(CONSUMER_RETRY_MS, signal);
        offset = this.groupOffsets.get(key) ?? 0;
        member.assigned([0]);
      }
    }
  }

  /** Refuses new calls, lets in-flight appends finish, wakes sleeping readers, then releases LMDB. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      this.wakeWaiters();
      await this.root.release();
      await this.root.release();
    })();
    return this.closing;
  }

  private async commit(key: GroupOffsetKey, offset: number): Promise<void> {
    checkCount(offset, 'committed offset');
    try {
      await this.track(durable(this.groupOffsets, this.groupOffsets.put(key, offset)));
    } catch (cause) {
      throw storageUnavailable(`cannot commit offset ${offset} of group "${key[0]}" on topic "${key[1]}"`, cause);
    }
  }

  private recoverEnds(): void {
    let after: RecordKey | undefined;
    for (;;) {
      // Skip from topic to topic: [topic, Infinity] sorts after every offset of that topic.
      const first = firstOf(this.db.getKeys(after ? { start: after, limit: 1 } : { limit: 1 }));
      if (!first) return;
      const topic = first[0];
      this.ends.set(topic, lastOffset(this.db, topic) + 1);
      after = [topic, Infinity];
    }
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    const forget = (): void => void this.inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private assertOpen(): void {
    if (this.closing) throw shuttingDown('event log');
  }
}

/** Most records, and most encoded bytes, moved per write transaction when an older data directory is opened. */
const MOVE_CHUNK_RECORDS = 2_000;
const MOVE_CHUNK_BYTES = 32 * 1024 * 1024;

/**
 * Moves every record of `from` into `to`, re-encoded in its layout: each chunk put into `to` and
 * removed from `from` in one transaction (LMDB's transactions span its sub-databases). A record
 * already in `to` means both layouts were written to (an earlier version ran on this directory after
 * this one): nothing is moved then, and opening fails rather than overwrite either.
 */
function moveRecords(from: Database<unknown, RecordKey>, to: Database<unknown, RecordKey>): void {
  for (;;) {
    const chunk: { key: RecordKey; value: Binary }[] = [];
    let bytes = 0;
    for (const { key, value } of from.getRange({ limit: MOVE_CHUNK_RECORDS })) {
      if (to.doesExist(key)) {
        throw new Error(`record ${key[1]} of topic "${key[0]}" is stored in both the current and the earlier layout: an earlier version has run on this data directory since this one did; move one of the two aside`);
      }
      const encoded = encodeValue(to, value, `record ${key[1]} of topic "${key[0]}"`);
      chunk.push({ key, value: asBinary(encoded) });
      bytes += encoded.length;
      if (bytes >= MOVE_CHUNK_BYTES) break;
    }
    if (chunk.length === 0) return;
    to.transactionSync(() => {
      for (const { key, value } of chunk) {
        to.putSync(key, value);
        from.removeSync(key);
      }
    });
  }
}

function lastOffset(db: Database<unknown, RecordKey>, topic: string): number {
  const last = firstOf(db.getKeys({ start: [topic, Infinity], end: [topic, -1], reverse: true, limit: 1 }));
  return last ? last[1] : -1;
}

function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

function checkTopic(topic: string): void {
  if (typeof topic !== 'string' || topic.length === 0 || Buffer.byteLength(topic) > MAX_TOPIC_BYTES) {
    throw new GatewayError('BAD_USER_INPUT', `topic must be a non-empty string of at most ${MAX_TOPIC_BYTES} bytes`, { path: 'topic' });
  }
}

function checkPartition(partition: number): void {
  if (partition !== 0) {
    throw new GatewayError('BAD_USER_INPUT', `the embedded log has one partition per topic; got partition ${partition}`, { path: 'partition' });
  }
}
