// A view over a stream with several partitions reads the view's repartition topic, where events of
// every source partition arrive interleaved. Its windows close on the least watermark the source
// partitions' routers sent, so a lagging partition's events are not late; a partition its router
// announced idle stops holding windows open; the source watermarks survive a restart. The aggregating
// member is driven batch by batch (as the log would) with real LMDB checkpoints and chDB rows. The
// router's own output is read back from the LMDB log; processing time is an injected clock.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseAggregateStore } from '../../src/adapters/clickhouse/clickhouse-aggregate-store';
import { ChdbExecutor } from '../../src/adapters/embedded/chdb-executor';
import { InProcessLiveUpdates } from '../../src/adapters/embedded/in-process-live-updates';
import { LmdbCheckpointStore } from '../../src/adapters/embedded/lmdb-checkpoint-store';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { openLmdbRoot, type LmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import type { StreamDefinition, ViewDefinition } from '../../src/domain/definitions';
import type { CheckpointStore } from '../../src/ports/checkpoint-store';
import type { LoggedEvent, RoutedRecord } from '../../src/domain/envelope';
import { eventTopic, repartitionTopic } from '../../src/domain/topics';
import { createMetrics } from '../../src/observability/metrics';
import { ControlPlane } from '../../src/services/control-plane';
import type { ProcessorDeps } from '../../src/stream/processor';
import { ViewRouter } from '../../src/stream/view-router';
import { ViewAggregator } from '../../src/stream/view-aggregator';
import { tempDir, uniqueName } from '../helpers/temp-dir';

const IDLE_MS = 60_000;
const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);

function streamNamed(name: string): StreamDefinition {
  return { name, description: '', timestampField: 'ts', watermarkDelayMs: 0, idleTimeoutMs: IDLE_MS, createdAt: 0, createdBy: 'test' };
}

function viewOver(stream: StreamDefinition): ViewDefinition {
  return { name: uniqueName('v'), stream: stream.name, description: '', windowMs: 10_000, hopMs: null, groupBy: ['k'], measures: [{ name: 'n', fn: 'COUNT' }], createdAt: 0, createdBy: 'test' };
}

let eventIds = 0;
function event(stream: string, at: number, k = 'a'): LoggedEvent {
  const time = T0 + at;
  return { envelope: { eventId: `e${(eventIds++).toString().padStart(6, '0')}`, stream, traceId: '0'.repeat(32), producer: 'test', receivedAt: time, eventTime: time }, payload: { ts: time, k } };
}

describe('views over several partitions', () => {
  const dataDir = mkdtempSync(path.join(tempDir('tributary-routed-'), 'data-'));
  let root: LmdbRoot;
  let log: LmdbEventLog;
  let chdb: ChdbExecutor;
  let store: ClickHouseAggregateStore;
  let now = 0;
  let deps: ProcessorDeps;
  const stopped = new AbortController();

  beforeAll(async () => {
    root = openLmdbRoot(dataDir);
    log = new LmdbEventLog(root);
    chdb = ChdbExecutor.open(dataDir, { fsync: false });
    store = new ClickHouseAggregateStore(chdb);
    await store.migrate();
    deps = {
      log,
      checkpoints: new LmdbCheckpointStore(root),
      aggregates: store,
      live: new InProcessLiveUpdates(),
      controlPlane: new ControlPlane(log),
      clock: { now: () => now },
      logger: pino({ level: 'silent' }),
      metrics: createMetrics({ liveSubscribers: () => 0 }),
      batchSize: 100,
      schemas: { violations: () => [] },
      quarantine: { add: async () => undefined },
      guardStreams: false,
      dedupMaxKeys: 1_000,
    };
  });
  afterAll(async () => {
    stopped.abort();
    await chdb?.close();
    await log?.close();
    await root?.close();
  });

  /** One aggregating member of repartition partition 0, fed records as the log would hand them out. */
  function member(view: ViewDefinition, stream: StreamDefinition, sourcePartitions: number, from = 0) {
    const aggregator = new ViewAggregator(view, stream, { topic: repartitionTopic(view.name), routed: true, sourcePartitions }, deps, stopped.signal);
    aggregator.assigned([0]);
    let offset = from;
    return {
      aggregator,
      async feed(...records: RoutedRecord[]): Promise<void> {
        const batch = records.map((value) => ({ offset: offset++, value }));
        await aggregator.handle({ topic: repartitionTopic(view.name), partition: 0, records: batch, endOffset: offset });
      },
    };
  }

  const rows = async (view: ViewDefinition) =>
    (await store.query({ view: view.name })).map((row) => [row.windowStart - T0, row.values.n, row.final]);

  it('closes windows on the least watermark of the source partitions, so a lagging partition\'s events are not late, and keeps it across a restart', async () => {
    const stream = streamNamed(uniqueName('s'));
    const view = viewOver(stream);
    const { aggregator, feed } = member(view, stream, 2);
    const s = stream.name;
    await feed({ partition: 0, offset: 0, event: event(s, 1_000) }, { partition: 0, offset: 1, event: event(s, 15_000) }, { partition: 0, watermark: T0 + 15_000, idle: false });
    await feed({ partition: 1, offset: 0, event: event(s, 2_000) }, { partition: 1, watermark: T0 + 2_000, idle: false });
    expect(aggregator.progress().watermark).toBe(T0 + 2_000);
    expect(await rows(view)).toEqual([[0, 2, false], [10_000, 1, false]]);

    // Partition 0 runs far ahead; partition 1 lags behind it, and its event for the first window still counts.
    await feed({ partition: 0, offset: 2, event: event(s, 25_000) }, { partition: 0, watermark: T0 + 25_000, idle: false });
    expect(aggregator.progress().watermark).toBe(T0 + 2_000);
    await feed({ partition: 1, offset: 1, event: event(s, 5_000) }, { partition: 1, watermark: T0 + 26_000, idle: false });
    expect(aggregator.progress().watermark).toBe(T0 + 25_000);
    expect(aggregator.progress()).toMatchObject({ lateEvents: 0, offset: 9, processedEvents: 5 }); // 4 of the 9 records are watermarks
    expect(await rows(view)).toEqual([[0, 3, true], [10_000, 1, true], [20_000, 1, false]]);

    // A new member restores the source watermarks from the checkpoint: an event for a closed window is late.
    const restarted = member(view, stream, 2, 9);
    // (The first record is one a restarted router sent again: applied before, it is skipped.)
    await restarted.feed({ partition: 0, offset: 2, event: event(s, 25_000) }, { partition: 0, offset: 3, event: event(s, 9_000) }, { partition: 1, offset: 2, event: event(s, 24_000) });
    expect(restarted.aggregator.progress()).toMatchObject({ watermark: T0 + 25_000, lateEvents: 1, processedEvents: 7 });
    expect(await rows(view)).toEqual([[0, 3, true], [10_000, 1, true], [20_000, 2, false]]);
    expect((await store.lateEvents({ view: view.name, generation: 0 })).events.map((e) => e.eventTime - T0)).toEqual([9_000]);
    // Partition 1's watermark came back with the checkpoint too: it, not partition 0's new one, is the least.
    await restarted.feed({ partition: 0, watermark: T0 + 50_000, idle: false });
    expect(restarted.aggregator.progress().processedEvents).toBe(7);
    expect(restarted.aggregator.progress().watermark).toBe(T0 + 26_000);
  });

  it('leaves out a partition its router announced idle, and waits for it again once it sends a watermark', async () => {
    const stream = streamNamed(uniqueName('s'));
    const view = viewOver(stream);
    const { aggregator, feed } = member(view, stream, 3);
    const s = stream.name;
    await feed({ partition: 0, offset: 0, event: event(s, 1_000) }, { partition: 0, watermark: T0 + 30_000, idle: false });
    await feed({ partition: 1, offset: 0, event: event(s, 3_000) }, { partition: 1, watermark: T0 + 30_000, idle: false });
    expect(aggregator.progress().watermark).toBeNull(); // partition 2 has said nothing yet
    expect(await rows(view)).toEqual([[0, 2, false]]);

    await feed({ partition: 2, watermark: null, idle: true });
    expect(aggregator.progress().watermark).toBe(T0 + 30_000);
    expect(await rows(view)).toEqual([[0, 2, true]]);

    // Partition 2 wakes up behind the others: it holds the watermark again (which never goes back).
    await feed({ partition: 2, offset: 0, event: event(s, 32_000) }, { partition: 2, watermark: T0 + 32_000, idle: false });
    await feed({ partition: 0, offset: 1, event: event(s, 45_000) }, { partition: 0, watermark: T0 + 45_000, idle: false });
    await feed({ partition: 1, watermark: T0 + 41_000, idle: false });
    expect(aggregator.progress().watermark).toBe(T0 + 32_000);
    await feed({ partition: 2, watermark: T0 + 44_000, idle: false });
    expect(aggregator.progress().watermark).toBe(T0 + 41_000);
    expect(await rows(view)).toEqual([[0, 2, true], [30_000, 1, true], [40_000, 1, false]]);
  });

  it('takes the watermark of a checkpoint saved before routed views followed their sources\' watermarks', async () => {
    const stream = { ...streamNamed(uniqueName('s')), watermarkDelayMs: 5_000 };
    const view = viewOver(stream);
    const topic = repartitionTopic(view.name);
    await deps.checkpoints.save(`view:${view.name}:0`, {
      offsets: { [topic]: 3 },
      state: { windows: { maxEventTime: T0 + 55_000, lateEvents: 0, foldedEvents: 3, windows: [] }, sources: { 0: 2 } },
      savedAt: 0,
    });
    const { aggregator, feed } = member(view, stream, 2, 3);
    await feed({ partition: 1, offset: 0, event: event(stream.name, 5_000) });
    expect(aggregator.progress()).toMatchObject({ watermark: T0 + 50_000, lateEvents: 1 });
  });

  it('replays a routed session view exactly after a crash between saving its row intents and its checkpoint', async () => {
    const stream = streamNamed(uniqueName('s'));
    const view: ViewDefinition = { ...viewOver(stream), windowMs: 10_000, sessionGapMs: 10_000 };
    const s = stream.name;
    let saves = 0;
    let failAt = -1;
    const checkpoints: CheckpointStore = {
      load: (jobId) => deps.checkpoints.load(jobId),
      save: async (jobId, checkpoint) => {
        if (++saves === failAt) throw new Error('the process died here');
        return deps.checkpoints.save(jobId, checkpoint);
      },
      close: async () => undefined,
    };
    const crashing = new ViewAggregator(view, stream, { topic: repartitionTopic(view.name), routed: true, sourcePartitions: 1 }, { ...deps, checkpoints }, stopped.signal);
    crashing.assigned([0]);
    const batch = (from: number, ...values: RoutedRecord[]) => ({ topic: repartitionTopic(view.name), partition: 0, records: values.map((value, i) => ({ offset: from + i, value })), endOffset: from + values.length });
    await crashing.handle(batch(0, { partition: 0, offset: 0, event: event(s, 1_000) }, { partition: 0, watermark: T0 + 1_000, idle: false }));
    failAt = saves + 2; // the second batch saves its intents, stores its row, then dies before its checkpoint
    const second = batch(2, { partition: 0, offset: 1, event: event(s, 2_000) }, { partition: 0, watermark: T0 + 2_000, idle: false });
    await expect(crashing.handle(second)).rejects.toThrow('the process died here');

    const restarted = new ViewAggregator(view, stream, { topic: repartitionTopic(view.name), routed: true, sourcePartitions: 1 }, deps, stopped.signal);
    restarted.assigned([0]);
    await restarted.handle(second);
    expect(restarted.progress()).toMatchObject({ foldedEvents: 2, lateEvents: 0 });
    expect(await rows(view)).toEqual([[1_000, 2, false]]);
  });

  it('routes events by group key, then sends its partitions\' watermarks at most every 200 ms, and announces idle a partition without new records for the idle timeout', async () => {
    now = 0;
    const stream = { ...streamNamed(uniqueName('s')), watermarkDelayMs: 2_000 };
    const view = viewOver(stream);
    const router = new ViewRouter(view, stream, deps, stopped.signal);
    const s = stream.name;
    router.assigned([0]);
    const routedSoFar = async () =>
      (await log.read<RoutedRecord>(repartitionTopic(view.name), 0, 100)).map((r) => r.value).map((record) =>
        'event' in record ? `event ${record.offset} ${(record.event.payload as { k?: string } | undefined)?.k}` : record.idle ? `idle ${record.watermark === null ? 'none' : record.watermark - T0}` : `watermark ${record.watermark! - T0}`,
      );
    const routeAppended = async (...events: unknown[]) => {
      const from = await log.endOffset(eventTopic(s));
      await log.append(eventTopic(s), events);
      return router.handle({ topic: eventTopic(s), partition: 0, records: events.map((value, i) => ({ offset: from + i, value: value as LoggedEvent })), endOffset: from + events.length });
    };

    await router.tick();
    now = IDLE_MS;
    await router.tick(); // nothing was ever appended: idle, with no watermark
    expect(await routedSoFar()).toEqual(['idle none']);

    now += 1;
    expect(await routeAppended(event(s, 5_000, 'a'), event(s, 9_000, 'b'), event(s, 7_000, 'a'))).toBe(3);
    now += 100;
    // A record without an envelope is routed (the view counts it as invalid) but does not move the watermark.
    expect(await routeAppended(event(s, 12_000, 'b'), { note: 'not an event', envelope: null })).toBe(5);
    expect(await routedSoFar()).toEqual(['idle none', 'event 0 a', 'event 1 b', 'event 2 a', 'watermark 7000', 'event 3 b', 'event 4 undefined']);
    now += 100; // 200 ms after the last watermark: the next check sends the one held back
    await router.tick();
    expect((await routedSoFar()).slice(7)).toEqual(['watermark 10000']);

    await router.tick();
    now += IDLE_MS - 1;
    await router.tick();
    expect(await routedSoFar()).toHaveLength(8);
    now += 1; // no new records for the idle timeout
    await router.tick();
    await router.tick();
    expect((await routedSoFar()).slice(8)).toEqual(['idle 10000']);
    now += 1;
    expect(await routeAppended(event(s, 11_000, 'a'))).toBe(6); // back: a watermark again, though it did not move
    expect((await routedSoFar()).slice(9)).toEqual(['event 5 a', 'watermark 10000']);
  });
});
