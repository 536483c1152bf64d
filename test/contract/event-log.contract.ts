// The behaviour every EventLog adapter must show, registered as vitest tests against any adapter
// (embedded LMDB here; Kafka whenever a broker is configured).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/domain/envelope';
import { GatewayError } from '../../src/errors/gateway-error';
import type { AppendAck, EventLog, GroupMember, LogBatch } from '../../src/ports/event-log';
import { waitFor } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

/** A consumer-group member that keeps what it is given and commits after each batch. */
class CollectingMember<T> implements GroupMember<T> {
  readonly seen: { partition: number; offset: number; value: T }[] = [];
  readonly assignments: number[][] = [];
  failNext = 0;

  assigned(partitions: readonly number[]): void {
    this.assignments.push([...partitions]);
  }

  async handle({ partition, records }: LogBatch<T>): Promise<number | undefined> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('member failure on purpose');
    }
    for (const record of records) this.seen.push({ partition, ...record });
    return records[records.length - 1].offset + 1;
  }
}

/** Group consumption joins a group on a real cluster: seconds, not milliseconds. */
const GROUP_WAIT = { timeoutMs: 60_000, intervalMs: 20 };
/** Longer than two retention checks of the test broker. */
const RETENTION_WAIT_MS = 2_500;

export interface EventLogFixture {
  log: EventLog;
  /** Closes the current log if still open and opens a new one on the same storage. */
  reopen(): Promise<EventLog>;
  /** Closes whatever is still open and frees the storage. */
  cleanup(): Promise<void>;
}

export function describeEventLogContract(name: string, open: () => Promise<EventLogFixture>): void {
  describe(`EventLog contract: ${name}`, () => {
    let fixture: EventLogFixture;
    let log: EventLog;
    beforeEach(async () => {
      fixture = await open();
      log = fixture.log;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('gives offsets from 0 without gaps across appends and returns values intact', async () => {
      const topic = uniqueName('_log.orders');
      const first = [{ id: 1, nested: { list: [1, 'two', null, true], text: 'zürich 🚀' } }, { id: 2 }, { id: 3, amount: 12.75 }];
      expect(await log.append(topic, first)).toEqual({ baseOffset: 0, count: 3 });
      expect(await log.append(topic, [{ id: 4 }, { id: 5 }])).toEqual({ baseOffset: 3, count: 2 });
      expect(await log.append(topic, [{ id: 6 }])).toEqual({ baseOffset: 5, count: 1 });
      const records = await log.read(topic, 0, 100);
      expect(records.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(records.slice(0, 3).map((r) => r.value)).toEqual(first);
      expect(records.map((r) => (r.value as { id: number }).id)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('keeps every record of concurrent appends exactly once, each call contiguous', async () => {
      const topic = uniqueName('_log.concurrent');
      const calls = 20;
      const perCall = 50;
      const acks = await Promise.all(
        Array.from({ length: calls }, (_, call) =>
          log.append(topic, Array.from({ length: perCall }, (_, i) => ({ call, i }))),
        ),
      );
      const ranges = [...acks].sort((a, b) => a.baseOffset - b.baseOffset);
      ranges.forEach((ack, n) => expect(ack).toEqual({ baseOffset: n * perCall, count: perCall }));
      const records = await log.read<{ call: number; i: number }>(topic, 0, calls * perCall + 10);
      expect(records).toHaveLength(calls * perCall);
      records.forEach((record, n) => {
        expect(record.offset).toBe(n);
        expect(record.offset).toBe(acks[record.value.call].baseOffset + record.value.i);
      });
      expect(await log.endOffset(topic)).toBe(calls * perCall);
    });

    it('reads ranges, honours limits and returns nothing beyond the end', async () => {
      const topic = uniqueName('_log.ranges');
      await log.append(topic, Array.from({ length: 10 }, (_, i) => ({ i })));
      expect((await log.read(topic, 2, 3)).map((r) => r.offset)).toEqual([2, 3, 4]);
      expect((await log.read(topic, 8, 100)).map((r) => r.offset)).toEqual([8, 9]);
      expect(await log.read(topic, 10, 5)).toEqual([]);
      expect(await log.read(topic, 1_000, 5)).toEqual([]);
      expect(await log.read(topic, 0, 0)).toEqual([]);
      expect(await log.read(uniqueName('_log.never_written'), 0, 10)).toEqual([]);
    });

    it('keeps topics independent', async () => {
      const a = uniqueName('_log.a');
      const b = uniqueName('_log.b');
      expect(await log.append(a, [{ t: 'a' }, { t: 'a' }])).toEqual({ baseOffset: 0, count: 2 });
      expect(await log.append(b, [{ t: 'b' }])).toEqual({ baseOffset: 0, count: 1 });
      expect(await log.append(a, [{ t: 'a' }])).toEqual({ baseOffset: 2, count: 1 });
      expect((await log.read<{ t: string }>(a, 0, 10)).map((r) => r.value.t)).toEqual(['a', 'a', 'a']);
      expect((await log.read<{ t: string }>(b, 0, 10)).map((r) => r.value.t)).toEqual(['b']);
      const empty = uniqueName('_log.empty');
      expect(await log.append(empty, [])).toEqual({ baseOffset: 0, count: 0 });
      const topics = await log.topics();
      expect(topics).toEqual(expect.arrayContaining([a, b]));
      expect(topics).not.toContain(empty);
    });

    it('reports the next offset of each topic', async () => {
      const topic = uniqueName('_log.end');
      expect(await log.endOffset(topic)).toBe(0);
      await log.append(topic, [1, 2, 3, 4]);
      expect(await log.endOffset(topic)).toBe(4);
      const ack: AppendAck = await log.append(topic, [5]);
      expect(ack.baseOffset).toBe(4);
      expect(await log.endOffset(topic)).toBe(5);
    });

    it('wakes a waiting reader on append, long before its timeout', async () => {
      const topic = uniqueName('_log.wake');
      const started = Date.now();
      const woken = log.waitForAppend(30_000);
      await log.append(topic, [{ hello: 'reader' }]);
      await woken;
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(await log.read(topic, 0, 1)).toHaveLength(1);
    });

    it('lets a waiting reader go after its timeout when nothing is appended', async () => {
      const started = Date.now();
      await log.waitForAppend(50);
      expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    });

    it('keeps records across close and reopen, and continues their offsets', async () => {
      const topic = uniqueName('_log.durable');
      await log.append(topic, [{ n: 0 }, { n: 1 }, { n: 2 }]);
      await log.close();
      const again = await fixture.reopen();
      expect(await again.endOffset(topic)).toBe(3);
      expect(await again.topics()).toContain(topic);
      expect((await again.read<{ n: number }>(topic, 0, 10)).map((r) => r.value.n)).toEqual([0, 1, 2]);
      expect(await again.append(topic, [{ n: 3 }])).toEqual({ baseOffset: 3, count: 1 });
    });

    it('finishes appends already in flight when closed', async () => {
      const topic = uniqueName('_log.inflight');
      const pending = log.append(topic, Array.from({ length: 100 }, (_, i) => ({ i })));
      await log.close();
      expect(await pending).toEqual({ baseOffset: 0, count: 100 });
      const again = await fixture.reopen();
      expect(await again.read(topic, 0, 1_000)).toHaveLength(100);
    });

    it('creates a topic with the partitions asked for (one on a single-partition log) and keeps an existing topic as it is', async () => {
      const topic = uniqueName('events.laid_out');
      const count = await log.createTopic(topic, { partitions: 5 });
      expect([1, 5]).toContain(count);
      expect(await log.partitionCount(topic)).toBe(count);
      expect(await log.createTopic(topic, { partitions: 2 })).toBe(count);
      await log.append(topic, ['kept'], { keys: ['a'] });
      log = await fixture.reopen();
      expect(await log.createTopic(topic, { partitions: 2 })).toBe(count);
      expect(await log.partitionCount(topic)).toBe(count);
    });

    it('keeps records with equal keys in one partition, in append order, and loses none across partitions', async () => {
      const topic = uniqueName('events.keyed');
      const partitions = await log.partitionCount(topic);
      expect(partitions).toBeGreaterThanOrEqual(1);
      const values = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 7}`, i }));
      await log.append(topic, values.slice(0, 150), { keys: values.slice(0, 150).map((v) => v.key) });
      await log.append(topic, values.slice(150), { keys: values.slice(150).map((v) => v.key) });
      const byPartition: { key: string; i: number }[][] = [];
      let total = 0;
      for (let partition = 0; partition < partitions; partition++) {
        const end = await log.endOffset(topic, partition);
        const records = await log.read<{ key: string; i: number }>(topic, 0, 1_000, partition);
        expect(records.map((r) => r.offset)).toEqual(Array.from({ length: end }, (_, n) => n));
        byPartition.push(records.map((r) => r.value));
        total += end;
      }
      expect(total).toBe(values.length);
      for (let k = 0; k < 7; k++) {
        const holders = byPartition.filter((records) => records.some((v) => v.key === `k${k}`));
        expect(holders, `partitions holding key k${k}`).toHaveLength(1);
        const order = holders[0].filter((v) => v.key === `k${k}`).map((v) => v.i);
        expect(order).toEqual([...order].sort((a, b) => a - b));
        expect(order).toHaveLength(values.filter((v) => v.key === `k${k}`).length);
      }
    });

    it('puts records in the partitions named for them, one to each partition, in order, and refuses one that does not exist', async () => {
      const topic = uniqueName('events.broadcast');
      const partitions = await log.partitionCount(topic);
      await log.append(topic, [{ before: true }], { keys: ['k'] });
      const targets = Array.from({ length: partitions }, (_, p) => p);
      await log.append(topic, targets.map((p) => ({ mark: 1, p })), { partitions: targets });
      await log.append(topic, targets.map((p) => ({ mark: 2, p })), { partitions: targets });
      for (const partition of targets) {
        const marks = (await log.read<{ mark?: number; p?: number }>(topic, 0, 100, partition)).map((r) => r.value).filter((v) => v.mark !== undefined);
        expect(marks, `partition ${partition}`).toEqual([{ mark: 1, p: partition }, { mark: 2, p: partition }]);
      }
      await expect(log.append(topic, [{ x: 1 }], { partitions: [1, 2] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'partitions' });
      await expect(log.append(topic, [{ x: 1 }], { partitions: [-1] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'partitions' });
      await expect(log.append(topic, [{ x: 1 }], { partitions: [partitions] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'partitions', message: expect.stringContaining(`got partition ${partitions}`) });
      let total = 0;
      for (const partition of targets) total += await log.endOffset(topic, partition);
      expect(total, 'records kept: the refused appends wrote nothing').toBe(1 + 2 * partitions);
    });

    it('gives a consumer group every record once, and resumes a group from its committed offsets', async () => {
      const topic = uniqueName('_log.group');
      const group = uniqueName('contract-group');
      await log.append(topic, Array.from({ length: 10 }, (_, i) => ({ i })));
      const first = new CollectingMember<{ i: number }>();
      const stop = new AbortController();
      const consuming = log.consume(group, topic, first, { maxRecords: 4, signal: stop.signal });
      await waitFor(() => first.seen.length >= 10, { ...GROUP_WAIT, what: 'the group to read 10 records' });
      await log.append(topic, [{ i: 10 }]);
      await waitFor(() => first.seen.length >= 11, { ...GROUP_WAIT, what: 'the group to read a record appended while it runs' });
      stop.abort();
      await consuming;
      expect(first.seen.map((r) => r.value.i)).toEqual(Array.from({ length: 11 }, (_, i) => i));
      expect(first.assignments.at(-1)).toEqual([0]);

      await log.append(topic, [{ i: 11 }, { i: 12 }]);
      const again = new CollectingMember<{ i: number }>();
      const stopAgain = new AbortController();
      const resumed = log.consume(group, topic, again, { maxRecords: 100, signal: stopAgain.signal });
      await waitFor(() => again.seen.length >= 2, { ...GROUP_WAIT, what: 'the group to resume after its committed offset' });
      stopAgain.abort();
      await resumed;
      expect(again.seen.map((r) => r.offset)).toEqual([11, 12]);

      const fresh = new CollectingMember<{ i: number }>();
      const stopFresh = new AbortController();
      const other = log.consume(uniqueName('contract-other'), topic, fresh, { maxRecords: 100, signal: stopFresh.signal });
      await waitFor(() => fresh.seen.length >= 13, { ...GROUP_WAIT, what: 'a new group to start at the beginning' });
      stopFresh.abort();
      await other;
      expect(fresh.seen.map((r) => r.offset)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    }, 120_000);

    it('delivers a batch again from the last commit when the member fails it', async () => {
      const topic = uniqueName('_log.redeliver');
      await log.append(topic, Array.from({ length: 6 }, (_, i) => ({ i })));
      const member = new CollectingMember<{ i: number }>();
      member.failNext = 2;
      const stop = new AbortController();
      const consuming = log.consume(uniqueName('contract-redeliver'), topic, member, { maxRecords: 100, signal: stop.signal });
      await waitFor(() => member.seen.length >= 6, { ...GROUP_WAIT, what: 'the failed batch to be delivered again' });
      stop.abort();
      await consuming;
      expect(member.failNext).toBe(0);
      expect(member.seen.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    }, 120_000);

    it('hands a group every partition of a partitioned topic', async () => {
      const topic = uniqueName('events.grouped');
      const partitions = await log.partitionCount(topic);
      await log.append(topic, Array.from({ length: 40 }, (_, i) => ({ i })), { keys: Array.from({ length: 40 }, (_, i) => `key-${i}`) });
      const member = new CollectingMember<{ i: number }>();
      const stop = new AbortController();
      const consuming = log.consume(uniqueName('contract-partitions'), topic, member, { maxRecords: 100, signal: stop.signal });
      await waitFor(() => member.seen.length >= 40, { ...GROUP_WAIT, what: 'the group to read all 40 records' });
      stop.abort();
      await consuming;
      expect([...(member.assignments.at(-1) ?? [])].sort((a, b) => a - b)).toEqual(Array.from({ length: partitions }, (_, p) => p));
      expect(member.seen.map((r) => r.value.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    }, 120_000);

    it('keeps events whose event time lies long before the log\'s retention window (a backfill)', async () => {
      const topic = uniqueName('_log.backfill');
      const eventTime = Date.now() - 400 * 86_400_000;
      const event: LoggedEvent = {
        envelope: { eventId: '01JB0000000000000000000000', stream: 'backfill', traceId: 'b'.repeat(32), producer: 'archive', receivedAt: Date.now(), eventTime },
        payload: { ts: eventTime, amount: 1 },
      };
      // Kafka rolls a segment when a record arrives stamped segment.ms (7 days) after the segment's
      // first, and deletes a rolled segment whose newest timestamp is older than retention.ms: a
      // record of today after old ones stamped with their event times would do both.
      const today = { note: 'written today' };
      await log.append(topic, [event]);
      await log.append(topic, [today]);
      // Nothing to wait on for a deletion that must not come: give the log time to run its retention
      // (the Kafka broker the tests start checks every second).
      await new Promise((resolve) => setTimeout(resolve, RETENTION_WAIT_MS));
      expect((await log.read(topic, 0, 10)).map((record) => record.value)).toEqual([event, today]);
    });

    it('takes one append of several megabytes (more than a Kafka broker takes in one request) whole and in order', async () => {
      const topic = uniqueName('_log.large');
      const values = Array.from({ length: 3_000 }, (_, i) => ({ i, filler: 'x'.repeat(1_000) }));
      const ack = await log.append(topic, values);
      expect(ack).toEqual({ baseOffset: 0, count: values.length });
      const read: unknown[] = [];
      while (read.length < values.length) {
        const page = await log.read(topic, read.length, values.length - read.length);
        if (page.length === 0) break;
        read.push(...page.map((record) => record.value));
      }
      expect(read).toEqual(values);
    });

    it('says it is reachable while open and serving', async () => {
      await expect(log.reachable(5_000)).resolves.toBeUndefined();
    });

    it('refuses calls after close with SHUTTING_DOWN', async () => {
      const topic = uniqueName('_log.closed');
      await log.close();
      await expectCode(log.append(topic, [{ late: true }]), 'SHUTTING_DOWN');
      await expectCode(log.read(topic, 0, 10), 'SHUTTING_DOWN');
      await expectCode(log.reachable(1_000), 'SHUTTING_DOWN');
      const again = await fixture.reopen();
      expect(await again.endOffset(topic)).toBe(0);
    });
  });
}

async function expectCode(promise: Promise<unknown>, code: GatewayError['code']): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(GatewayError.is(error, code), `expected GatewayError ${code}, got ${String(error)}`).toBe(true);
}
