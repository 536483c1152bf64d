// The fault wrappers around real embedded adapters (LMDB log, checkpoints and lineage, in-process
// live updates): each kind of fault does to each operation exactly what it says, and nothing to the
// calls it does not hit.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultPlan, type FaultSpec } from '../../src/adapters/faults/fault-plan';
import { corrupted, FaultInjector, faultyCheckpointStore, faultyEventLog, faultyLiveUpdates } from '../../src/adapters/faults/faulty-ports';
import { InProcessLiveUpdates } from '../../src/adapters/embedded/in-process-live-updates';
import { LmdbCheckpointStore } from '../../src/adapters/embedded/lmdb-checkpoint-store';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { openLmdbRoot, type LmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import { eventTopic, META_TOPIC } from '../../src/domain/topics';
import type { GroupMember, LogBatch } from '../../src/ports/event-log';
import { tempDir, uniqueName } from '../helpers/temp-dir';

describe('fault wrappers on the embedded adapters', () => {
  let root: LmdbRoot;
  let log: LmdbEventLog;
  let plan: FaultPlan;
  let now: number;
  const slept: number[] = [];
  let injector: FaultInjector;
  const inject = (spec: Partial<FaultSpec> & Pick<FaultSpec, 'port' | 'kind'>) => plan.add({ operation: '*', probability: 1, ...spec }, now, 'test');

  beforeEach(() => {
    root = openLmdbRoot(tempDir('tributary-faults-'));
    log = new LmdbEventLog(root);
    plan = new FaultPlan();
    now = 1_000;
    slept.length = 0;
    injector = new FaultInjector(plan, { now: () => now }, { random: () => 0.5, sleep: async (ms) => void slept.push(ms) });
  });
  afterEach(async () => {
    await log.close();
    await root.close();
  });

  it('fails a hit call with a retriable STORAGE_UNAVAILABLE naming the fault, and lets other calls through', async () => {
    const faulty = faultyEventLog(log, injector);
    const topic = uniqueName('t');
    inject({ port: 'eventLog', operation: 'append', kind: 'ERROR' });
    await expect(faulty.append(topic, [{ a: 1 }])).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true, message: 'injected fault fault-1 (ERROR) on eventLog.append' });
    expect(await faulty.endOffset(topic)).toBe(0);
    plan.clearAll();
    await faulty.append(topic, [{ a: 1 }]);
    expect((await faulty.read(topic, 0, 10)).map((r) => r.value)).toEqual([{ a: 1 }]);
  });

  it('honours the probability: a roll at or above it passes', async () => {
    const faulty = faultyEventLog(log, injector);
    inject({ port: 'eventLog', operation: 'topics', kind: 'ERROR', probability: 0.5 }); // the dice roll 0.5
    await expect(faulty.topics()).resolves.toBeInstanceOf(Array);
    inject({ port: 'eventLog', operation: 'topics', kind: 'ERROR', probability: 0.51 });
    await expect(faulty.topics()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('delays a call by the latency, then runs it', async () => {
    const faulty = faultyEventLog(log, injector);
    inject({ port: 'eventLog', operation: 'partitionCount', kind: 'LATENCY', latencyMs: 750 });
    expect(await faulty.partitionCount(uniqueName('t'))).toBe(1);
    expect(slept).toEqual([750]);
  });

  it('writes the first half of a partial write (keys and partitions too), then fails', async () => {
    const faulty = faultyEventLog(log, injector);
    const topic = eventTopic(uniqueName('s'));
    inject({ port: 'eventLog', kind: 'PARTIAL_WRITE' });
    await expect(faulty.append(topic, [1, 2, 3, 4, 5], { keys: ['a', 'b', 'c', 'd', 'e'] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((await log.read(topic, 0, 10)).map((r) => r.value)).toEqual([1, 2, 3]);
    await expect(faulty.append(topic, [6, 7], { partitions: [0, 0] })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect((await log.read(topic, 0, 10)).map((r) => r.value)).toEqual([1, 2, 3, 6]);
  });

  it('corrupts values as written, as read, and as delivered to a consumer', async () => {
    const faulty = faultyEventLog(log, injector);
    const topic = eventTopic(uniqueName('s'));
    const fault = inject({ port: 'eventLog', operation: 'append', kind: 'CORRUPT' });
    await faulty.append(topic, [{ a: 1 }]);
    expect((await log.read(topic, 0, 10)).map((r) => r.value)).toEqual([corrupted(fault)]);
    plan.clearAll();
    await log.append(topic, [{ b: 2 }]);
    const onRead = inject({ port: 'eventLog', operation: 'read', kind: 'CORRUPT' });
    expect((await faulty.read(topic, 1, 10)).map((r) => r.value)).toEqual([corrupted(onRead)]);
    expect((await log.read(topic, 1, 10)).map((r) => r.value)).toEqual([{ b: 2 }]); // the log itself is intact
    plan.clearAll();

    const onConsume = inject({ port: 'eventLog', operation: 'consume', kind: 'CORRUPT' });
    const abort = new AbortController();
    const delivered: unknown[] = [];
    const member: GroupMember<unknown> = {
      assigned: () => undefined,
      handle: async (batch: LogBatch<unknown>) => {
        delivered.push(...batch.records.map((r) => r.value));
        if (delivered.length >= 2) abort.abort();
        return batch.records[batch.records.length - 1].offset + 1;
      },
    };
    await faulty.consume(uniqueName('g'), topic, member, { maxRecords: 10, signal: abort.signal });
    expect(delivered).toEqual([corrupted(onConsume), corrupted(onConsume)]);
  });

  it("spares Tributary's own topics partial writes and corruption, but not outages", async () => {
    const faulty = faultyEventLog(log, injector);
    inject({ port: 'eventLog', operation: 'append', kind: 'CORRUPT' });
    inject({ port: 'eventLog', operation: 'append', kind: 'PARTIAL_WRITE' });
    await faulty.append(META_TOPIC, [{ command: { type: 'X' } }, { command: { type: 'Y' } }]);
    expect((await log.read(META_TOPIC, 0, 10)).map((r) => r.value)).toEqual([{ command: { type: 'X' } }, { command: { type: 'Y' } }]);
    expect(plan.active(now).map((fault) => fault.hits)).toEqual([0, 0]);
    inject({ port: 'eventLog', operation: 'append', kind: 'ERROR' });
    await expect(faulty.append(META_TOPIC, [{}])).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('fails every checkpoint operation during an OUTAGE, until it ends', async () => {
    const checkpoints = new LmdbCheckpointStore(root);
    const faulty = faultyCheckpointStore(checkpoints, injector);
    inject({ port: 'checkpoints', kind: 'OUTAGE', durationMs: 10_000 });
    await expect(faulty.save('job', { offsets: { t: 1 }, state: {}, savedAt: now })).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(faulty.load('job')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    now += 10_000;
    await faulty.save('job', { offsets: { t: 1 }, state: {}, savedAt: now });
    expect((await faulty.load('job'))?.offsets).toEqual({ t: 1 });
    await checkpoints.close();
  });

  it('throws from a live publish at once, and defers it under LATENCY', async () => {
    const live = new InProcessLiveUpdates();
    const faulty = faultyLiveUpdates(live, injector);
    const fault = inject({ port: 'live', operation: 'publish', kind: 'ERROR' });
    expect(() => faulty.publish([])).toThrow(/injected fault/);
    plan.clear(fault.id);
    expect(() => faulty.publish([])).not.toThrow();
    await live.close();
  });
});
