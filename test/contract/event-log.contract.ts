// The behaviour every EventLog adapter must show, registered as vitest tests against any adapter
// (embedded LMDB here; Kafka whenever a broker is configured).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error';
import type { AppendAck, EventLog } from '../../src/ports/event-log';
import { uniqueName } from '../helpers/temp-dir';

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
      const topic = uniqueName('events.orders');
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
      const topic = uniqueName('events.concurrent');
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
      const topic = uniqueName('events.ranges');
      await log.append(topic, Array.from({ length: 10 }, (_, i) => ({ i })));
      expect((await log.read(topic, 2, 3)).map((r) => r.offset)).toEqual([2, 3, 4]);
      expect((await log.read(topic, 8, 100)).map((r) => r.offset)).toEqual([8, 9]);
      expect(await log.read(topic, 10, 5)).toEqual([]);
      expect(await log.read(topic, 1_000, 5)).toEqual([]);
      expect(await log.read(topic, 0, 0)).toEqual([]);
      expect(await log.read(uniqueName('events.never_written'), 0, 10)).toEqual([]);
    });

    it('keeps topics independent', async () => {
      const a = uniqueName('events.a');
      const b = uniqueName('events.b');
      expect(await log.append(a, [{ t: 'a' }, { t: 'a' }])).toEqual({ baseOffset: 0, count: 2 });
      expect(await log.append(b, [{ t: 'b' }])).toEqual({ baseOffset: 0, count: 1 });
      expect(await log.append(a, [{ t: 'a' }])).toEqual({ baseOffset: 2, count: 1 });
      expect((await log.read<{ t: string }>(a, 0, 10)).map((r) => r.value.t)).toEqual(['a', 'a', 'a']);
      expect((await log.read<{ t: string }>(b, 0, 10)).map((r) => r.value.t)).toEqual(['b']);
      const empty = uniqueName('events.empty');
      expect(await log.append(empty, [])).toEqual({ baseOffset: 0, count: 0 });
      const topics = await log.topics();
      expect(topics).toEqual(expect.arrayContaining([a, b]));
      expect(topics).not.toContain(empty);
    });

    it('reports the next offset of each topic', async () => {
      const topic = uniqueName('events.end');
      expect(await log.endOffset(topic)).toBe(0);
      await log.append(topic, [1, 2, 3, 4]);
      expect(await log.endOffset(topic)).toBe(4);
      const ack: AppendAck = await log.append(topic, [5]);
      expect(ack.baseOffset).toBe(4);
      expect(await log.endOffset(topic)).toBe(5);
    });

    it('wakes a waiting reader on append, long before its timeout', async () => {
      const topic = uniqueName('events.wake');
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
      const topic = uniqueName('events.durable');
      await log.append(topic, [{ n: 0 }, { n: 1 }, { n: 2 }]);
      await log.close();
      const again = await fixture.reopen();
      expect(await again.endOffset(topic)).toBe(3);
      expect(await again.topics()).toContain(topic);
      expect((await again.read<{ n: number }>(topic, 0, 10)).map((r) => r.value.n)).toEqual([0, 1, 2]);
      expect(await again.append(topic, [{ n: 3 }])).toEqual({ baseOffset: 3, count: 1 });
    });

    it('finishes appends already in flight when closed', async () => {
      const topic = uniqueName('events.inflight');
      const pending = log.append(topic, Array.from({ length: 100 }, (_, i) => ({ i })));
      await log.close();
      expect(await pending).toEqual({ baseOffset: 0, count: 100 });
      const again = await fixture.reopen();
      expect(await again.read(topic, 0, 1_000)).toHaveLength(100);
    });

    it('refuses calls after close with SHUTTING_DOWN', async () => {
      const topic = uniqueName('events.closed');
      await log.close();
      await expectCode(log.append(topic, [{ late: true }]), 'SHUTTING_DOWN');
      await expectCode(log.read(topic, 0, 10), 'SHUTTING_DOWN');
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
