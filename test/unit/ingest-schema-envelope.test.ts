// The envelope of an event accepted under a schema names the schema id and version it was checked
// against; read back from the real LMDB log. The services are the gateway's own, wired in-process.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { LmdbLineageStore } from '../../src/adapters/embedded/lmdb-lineage-store';
import { openLmdbRoot, type LmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import { systemClock } from '../../src/adapters/system-clock';
import type { LoggedEvent } from '../../src/domain/envelope';
import { eventTopic } from '../../src/domain/topics';
import { createMetrics } from '../../src/observability/metrics';
import { ControlPlane } from '../../src/services/control-plane';
import { EventSchemas } from '../../src/services/event-schemas';
import { Ingest } from '../../src/services/ingest';
import { Lineage } from '../../src/services/lineage';
import { Quarantine } from '../../src/services/quarantine';
import { SchemaRegistry } from '../../src/services/schema-registry';
import { StreamsAndViews } from '../../src/services/streams-and-views';
import { tempDir } from '../helpers/temp-dir';

describe('envelopes of events accepted under a schema', () => {
  let root: LmdbRoot;
  let log: LmdbEventLog;
  let lineage: Lineage;
  let ingest: Ingest;
  let registry: SchemaRegistry;
  let catalog: StreamsAndViews;

  beforeAll(async () => {
    root = openLmdbRoot(mkdtempSync(path.join(tempDir('tributary-envelope-'), 'data-')));
    log = new LmdbEventLog(root);
    const controlPlane = new ControlPlane(log);
    await controlPlane.start();
    catalog = new StreamsAndViews(controlPlane, log, systemClock, 0);
    lineage = new Lineage(new LmdbLineageStore(root), pino({ level: 'silent' }));
    registry = new SchemaRegistry(controlPlane, systemClock, (stream, fields) => lineage.viewsReading(stream, fields));
    ingest = new Ingest(log, catalog, new EventSchemas(controlPlane, registry), new Quarantine(log), lineage, systemClock, createMetrics({ liveSubscribers: () => 0 }), {
      maxEventBytes: 65_536,
      maxBatchEvents: 1_000,
      maxEventTimeAheadMs: 60_000,
      requireSchemas: false,
    });
  });
  afterAll(async () => {
    await lineage.close(1_000);
    await log.close();
    await root.close();
  });

  it('carry the schema id and version, and events of a stream without a schema carry neither', async () => {
    await catalog.createStream({ name: 'governed' }, 'test');
    await catalog.createStream({ name: 'free' }, 'test');
    const schema = (fields: string[]) => JSON.stringify({ type: 'record', name: 'E', fields: fields.map((name) => ({ name, type: 'long', default: 0 })) });
    const v1 = await registry.register('governed-value', 'AVRO', schema(['ts']), 'test');
    const v2 = await registry.register('governed-value', 'AVRO', schema(['ts', 'n']), 'test');
    const now = Date.now();
    await ingest.ingest({ stream: 'governed', events: [{ ts: now }], producer: 'p' });
    await ingest.ingest({ stream: 'governed', events: [{ ts: now }], producer: 'p', schemaVersion: 1 });
    await ingest.ingest({ stream: 'free', events: [{ ts: now }], producer: 'p' });

    const governed = await log.read<LoggedEvent>(eventTopic('governed'), 0, 10);
    expect(governed.map((r) => [r.value.envelope.schemaId, r.value.envelope.schemaVersion])).toEqual([
      [v2.id, 2],
      [v1.id, 1],
    ]);
    const [free] = await log.read<LoggedEvent>(eventTopic('free'), 0, 10);
    expect(free.value.envelope).not.toHaveProperty('schemaId');
    expect(free.value.envelope).not.toHaveProperty('schemaVersion');
  });
});
