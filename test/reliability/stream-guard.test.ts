// Records that reach a stream's log without going through ingest (as a producer writing to Kafka
// directly would put them there) are checked again by the processor: views skip a record without an
// envelope or one that breaks the schema its envelope names, and the stream guard quarantines each
// once, with its reason. Real LMDB log and chDB store, in-process; records are appended straight to
// the log, which is that other route.

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
import { systemClock } from '../../src/adapters/system-clock';
import type { LoggedEvent } from '../../src/domain/envelope';
import { eventTopic } from '../../src/domain/topics';
import { createMetrics } from '../../src/observability/metrics';
import { ControlPlane } from '../../src/services/control-plane';
import { EventSchemas } from '../../src/services/event-schemas';
import { Quarantine } from '../../src/services/quarantine';
import { SchemaRegistry } from '../../src/services/schema-registry';
import { StreamsAndViews } from '../../src/services/streams-and-views';
import { StreamProcessor } from '../../src/stream/processor';
import { waitFor } from '../helpers/gateway-process';
import { tempDir } from '../helpers/temp-dir';

const T0 = Date.UTC(2026, 10, 23, 8, 0, 0);

describe('records that reached the log by another route', () => {
  const dataDir = mkdtempSync(path.join(tempDir('tributary-guard-'), 'data-'));
  let root: LmdbRoot;
  let log: LmdbEventLog;
  let chdb: ChdbExecutor;
  let store: ClickHouseAggregateStore;
  let processor: StreamProcessor;
  let quarantine: Quarantine;
  let metrics: ReturnType<typeof createMetrics>;

  beforeAll(async () => {
    root = openLmdbRoot(dataDir);
    log = new LmdbEventLog(root);
    chdb = ChdbExecutor.open(dataDir, { fsync: false });
    store = new ClickHouseAggregateStore(chdb);
    await store.migrate();
    const controlPlane = new ControlPlane(log);
    await controlPlane.start();
    const catalog = new StreamsAndViews(controlPlane, log, systemClock, 0);
    const schemas = new SchemaRegistry(controlPlane, systemClock, async () => new Map());
    quarantine = new Quarantine(log);
    metrics = createMetrics({ liveSubscribers: () => 0 });

    await catalog.createStream({ name: 'orders', watermarkDelay: '0s' }, 'test');
    const schema = JSON.stringify({ type: 'record', name: 'O', fields: [{ name: 'ts', type: 'long' }, { name: 'amount', type: 'double' }] });
    const { id } = await schemas.register('orders-value', 'AVRO', schema, 'test');
    const envelope = (eventId: string, eventTime: number) => ({ eventId, stream: 'orders', traceId: 't'.repeat(32), producer: 'direct', receivedAt: eventTime, eventTime, schemaId: id, schemaVersion: 1 });
    const records: unknown[] = [
      { envelope: envelope('01A', T0), payload: { ts: T0, amount: 5 } } satisfies LoggedEvent,
      { raw: 'a record some other producer wrote' },
      { envelope: envelope('01B', T0 + 1), payload: { ts: T0 + 1, amount: 'five' } } satisfies LoggedEvent,
      { envelope: envelope('01C', T0 + 2), payload: { ts: T0 + 2, amount: 7 } } satisfies LoggedEvent,
    ];
    await log.append(eventTopic('orders'), records);
    await catalog.createView({ name: 'revenue', stream: 'orders', window: '1m', measures: [{ name: 'total', fn: 'SUM', field: 'amount' }, { name: 'n', fn: 'COUNT' }] }, 'test');

    processor = new StreamProcessor({
      log,
      checkpoints: new LmdbCheckpointStore(root),
      aggregates: store,
      live: new InProcessLiveUpdates(),
      controlPlane,
      clock: systemClock,
      logger: pino({ level: 'silent' }),
      metrics,
      batchSize: 100,
      schemas: new EventSchemas(controlPlane, schemas),
      quarantine,
      guardStreams: true,
      dedupMaxKeys: 1_000,
    });
    processor.start();
  });
  afterAll(async () => {
    await processor?.stop();
    await chdb?.close();
    await log?.close();
    await root?.close();
  });

  it('are left out of the aggregates and quarantined once each, with their reason', async () => {
    const rows = await waitFor(
      async () => {
        const found = await store.query({ view: 'revenue' });
        return found.length > 0 && processor.progress('revenue')?.offset === 4 ? found : undefined;
      },
      { timeoutMs: 20_000, what: 'the view to process the four records' },
    );
    expect(rows.map((r) => [r.values, r.eventCount])).toEqual([[{ total: 12, n: 2 }, 2]]);

    const entries = await waitFor(async () => {
      const found = await quarantine.list('orders', 10);
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 20_000, what: 'the guard to quarantine two records' });
    const oldestFirst = entries.reverse();
    expect(oldestFirst.map((e) => [e.index, e.code, e.path])).toEqual([
      [1, 'NO_ENVELOPE', 'record'],
      [2, 'SCHEMA_VIOLATION', 'event.amount'],
    ]);
    expect(oldestFirst[1].message).toMatch(/^event\.amount must be an Avro double; got "five", under schema id \d+ \(log partition 0, offset 2\)$/);
    expect(oldestFirst[0].raw).toEqual({ raw: 'a record some other producer wrote' });

    const text = await metrics.registry.metrics();
    expect(text).toMatch(/tributary_processor_invalid_events_total\{view="revenue"\} 2/);
    expect(text).toMatch(/tributary_processor_quarantined_total\{stream="orders",code="NO_ENVELOPE"\} 1/);
    expect(text).toMatch(/tributary_processor_quarantined_total\{stream="orders",code="SCHEMA_VIOLATION"\} 1/);
  });
});
