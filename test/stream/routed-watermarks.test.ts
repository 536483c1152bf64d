// A view over a stream with several partitions reads the view's repartition topic, where events of
// every source partition arrive interleaved. Its windows close on the least watermark the source
// partitions' routers sent, so a lagging partition's events are not late; a partition silent for the
// stream's idle timeout stops holding windows open; the source watermarks survive a restart. The
// aggregating member is driven batch by batch (as the log would) with real LMDB checkpoints and chDB
// rows; processing time is an injected clock. The router's own output is read back from the LMDB log.

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
import type { LoggedEvent, RoutedRecord } from '../../src/domain/envelope';
import { repartitionTopic } from '../../src/domain/topics';
import { createMetrics } from '../../src/observability/metrics';
import { ControlPlane } from '../../src/services/control-plane';
import { ViewRouter, type ProcessorDeps } from '../../src/stream/processor';
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
    await feed({ partition: 0, offset: 0, event: event(s, 1_000) }, { partition: 0, offset: 1, event: event(s, 15_000) }, { partition: 0, offset: 1, watermark: T0 + 15_000 });
    await feed({ partition: 1, offset: 0, event: event(s, 2_000) }, { partition: 1, offset: 0, watermark: T0 + 2_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 2_000);
    expect(await rows(view)).toEqual([[0, 2, false], [10_000, 1, false]]);

    // Partition 0 runs far ahead; partition 1 lags behind it, and its event for the first window still counts.
    await feed({ partition: 0, offset: 2, event: event(s, 25_000) }, { partition: 0, offset: 2, watermark: T0 + 25_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 2_000);
    await feed({ partition: 1, offset: 1, event: event(s, 5_000) }, { partition: 1, offset: 1, watermark: T0 + 26_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 25_000);
    expect(aggregator.progress().lateEvents).toBe(0);
    expect(await rows(view)).toEqual([[0, 3, true], [10_000, 1, true], [20_000, 1, false]]);

    // A new member restores the source watermarks from the checkpoint: an event for a closed window is late.
    const restarted = member(view, stream, 2, 9);
    await restarted.feed({ partition: 0, offset: 3, event: event(s, 9_000) }, { partition: 1, offset: 2, event: event(s, 24_000) });
    expect(restarted.aggregator.progress()).toMatchObject({ watermark: T0 + 25_000, lateEvents: 1 });
    expect(await rows(view)).toEqual([[0, 3, true], [10_000, 1, true], [20_000, 2, false]]);
    expect((await store.lateEvents({ view: view.name, generation: 0 })).events.map((e) => e.eventTime - T0)).toEqual([9_000]);
    // Partition 1's watermark came back with the checkpoint too: it, not partition 0's new one, is the least.
    await restarted.feed({ partition: 0, offset: 4, watermark: T0 + 50_000 });
    expect(restarted.aggregator.progress().watermark).toBe(T0 + 26_000);
  });

  it('stops waiting for a partition that sent nothing for the idle timeout, and waits for it again once it sends', async () => {
    now = 0;
    const stream = streamNamed(uniqueName('s'));
    const view = viewOver(stream);
    const { aggregator, feed } = member(view, stream, 3);
    const s = stream.name;
    await feed({ partition: 0, offset: 0, event: event(s, 1_000) }, { partition: 0, offset: 0, watermark: T0 + 30_000 });
    await feed({ partition: 1, offset: 0, event: event(s, 3_000) }, { partition: 1, offset: 0, watermark: T0 + 30_000 });
    now = 50_000;
    await feed({ partition: 1, offset: 1, watermark: T0 + 30_000 });
    expect(aggregator.progress().watermark).toBeNull(); // partition 2 has sent nothing, and is not idle yet
    expect(await rows(view)).toEqual([[0, 2, false]]);

    now = IDLE_MS; // partition 2 silent since the member started; 0 and 1 spoke within the timeout
    await feed({ partition: 0, offset: 1, watermark: T0 + 30_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 30_000);
    expect(await rows(view)).toEqual([[0, 2, true]]);

    // Partition 2 wakes up behind the others: it holds the watermark again (which never goes back).
    now = IDLE_MS + 1_000;
    await feed({ partition: 2, offset: 0, event: event(s, 32_000) }, { partition: 2, offset: 0, watermark: T0 + 32_000 });
    await feed({ partition: 0, offset: 2, event: event(s, 45_000) }, { partition: 0, offset: 2, watermark: T0 + 45_000 });
    await feed({ partition: 1, offset: 2, watermark: T0 + 41_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 32_000);
    await feed({ partition: 2, offset: 1, watermark: T0 + 44_000 });
    expect(aggregator.progress().watermark).toBe(T0 + 41_000);
    expect(await rows(view)).toEqual([[0, 2, true], [30_000, 1, true], [40_000, 1, false]]);
  });

  it('routes events by group key and then sends its partition\'s watermark to every repartition partition, again only when it moves or the source would look idle', async () => {
    now = 0;
    const stream = { ...streamNamed(uniqueName('s')), watermarkDelayMs: 2_000 };
    const view = viewOver(stream);
    const router = new ViewRouter(view, stream, deps, stopped.signal);
    const s = stream.name;
    const batch = (from: number, ...events: LoggedEvent[]) => ({ topic: s, partition: 0, records: events.map((value, i) => ({ offset: from + i, value })), endOffset: from + events.length });
    expect(await router.handle(batch(0, event(s, 5_000, 'a'), event(s, 9_000, 'b'), event(s, 7_000, 'a')))).toBe(3);
    expect(await router.handle(batch(3, event(s, 8_000, 'b')))).toBe(4); // the watermark did not move: nothing sent
    now = IDLE_MS / 3;
    expect(await router.handle(batch(4, event(s, 6_000, 'a')))).toBe(5); // a third of the idle timeout: sent again
    const routed = (await log.read<RoutedRecord>(repartitionTopic(view.name), 0, 100)).map((r) => r.value);
    const shape = routed.map((record) => ('event' in record ? `event ${record.offset} ${(record.event.payload as { k: string }).k}` : `watermark ${record.offset} ${record.watermark - T0}`));
    expect(shape).toEqual(['event 0 a', 'event 1 b', 'event 2 a', 'watermark 2 7000', 'event 3 b', 'event 4 a', 'watermark 4 7000']);
  });
});
