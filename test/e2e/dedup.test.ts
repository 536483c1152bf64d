// A producer that retries counts once: events repeating an id in the stream's eventIdField, or a
// batch sent again with the same idempotency key, are folded once by every view within the stream's
// dedup horizon, also across a SIGKILL between the two sends.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, StreamsDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const BASE = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('deduplication of retried events', () => {
  let gateway: GatewayProcess;
  const byId = uniqueName('payments');
  const byKey = uniqueName('pageviews');
  const ingested: Record<string, number> = {};

  const ingest = async (stream: string, events: object[], idempotencyKey?: string) => {
    await gateway.client.request(IngestDocument, { stream, events, idempotencyKey });
    ingested[stream] = (ingested[stream] ?? 0) + events.length;
    await processed(stream);
  };
  const processed = (stream: string) =>
    waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === ingested[stream], {
      timeoutMs: 30_000,
      what: `the view of ${stream} to process ${ingested[stream]} events`,
    });
  const counted = async (stream: string) => {
    const { viewAggregates } = await gateway.client.request(ViewAggregatesDocument, { view: `${stream}_n` });
    return viewAggregates.reduce((sum, row) => sum + (row.values as { n: number }).n, 0);
  };
  const duplicates = async (stream: string) => (await gateway.client.request(ViewsDocument, { stream })).views[0].progress?.duplicateEvents;

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: byId, eventIdField: 'payment.id', dedupHorizon: '2h', idleTimeout: '45s' } });
    await gateway.client.request(CreateStreamDocument, { input: { name: byKey } });
    for (const stream of [byId, byKey]) {
      await gateway.client.request(CreateViewDocument, { input: { name: `${stream}_n`, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    }
    const { streams } = await gateway.client.request(StreamsDocument, {});
    expect(streams.find((s) => s.name === byId)).toMatchObject({ eventIdField: 'payment.id', dedupHorizon: '2h', idleTimeout: '45s' });
    expect(streams.find((s) => s.name === byKey)).toMatchObject({ eventIdField: null, dedupHorizon: '1h' });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it("counts events repeating an id in the stream's eventIdField once", async () => {
    const batch = [1, 2, 3].map((i) => ({ ts: BASE + i, payment: { id: `p-${i}` } }));
    await ingest(byId, batch);
    await ingest(byId, batch); // the producer timed out and sent it again
    await ingest(byId, [{ ts: BASE + 4, payment: { id: 'p-2' } }, { ts: BASE + 5, payment: { id: 'p-4' } }, { ts: BASE + 6 }]);
    expect(await counted(byId)).toBe(5); // p-1..p-4, and one without an id
    expect(await duplicates(byId)).toBe(4);
  });

  it('counts a batch sent again with the same idempotency key once, and the same events without a key twice', async () => {
    const batch = [{ ts: BASE + 10 }, { ts: BASE + 11 }];
    await ingest(byKey, batch, 'checkout-7f3a');
    await ingest(byKey, batch, 'checkout-7f3a');
    expect(await counted(byKey)).toBe(2);
    await ingest(byKey, batch, 'checkout-7f3b');
    await ingest(byKey, batch);
    expect(await counted(byKey)).toBe(6);
    expect(await duplicates(byKey)).toBe(2);
    const refused = await gateway.client.request(IngestDocument, { stream: byKey, events: batch, idempotencyKey: ' ' }).catch((error: GraphQLRequestError) => error);
    expect((refused as GraphQLRequestError).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'idempotencyKey' } });
  });

  it('keeps idempotency keys apart per producer', async () => {
    const batch = [{ ts: BASE + 30 }];
    await gateway.clientFor('web-shop').request(IngestDocument, { stream: byKey, events: batch, idempotencyKey: 'batch-1' });
    await gateway.clientFor('mobile-app').request(IngestDocument, { stream: byKey, events: batch, idempotencyKey: 'batch-1' });
    ingested[byKey] += 2;
    await processed(byKey);
    expect(await counted(byKey)).toBe(8);
  });

  it('refuses an event whose id is not a usable id, naming the field', async () => {
    const result = (await gateway.client.request(IngestDocument, { stream: byId, events: [{ ts: BASE, payment: { id: '' } }, { ts: BASE, payment: { id: { nested: true } } }, { ts: BASE, payment: { id: 7 } }] })).ingest;
    ingested[byId] += 1;
    expect(result.accepted).toBe(1);
    expect(result.errors.map((e) => [e.index, e.code, e.path])).toEqual([
      [0, 'INVALID_EVENT', 'events[0].payment.id'],
      [1, 'INVALID_EVENT', 'events[1].payment.id'],
    ]);
    expect(result.errors[0].message).toContain("payment.id is the stream's event id field, so it must be a non-empty string or a finite number");
    await processed(byId);
  });

  it('still recognizes a retry after the gateway was killed between the two sends', async () => {
    const batch = [{ ts: BASE + 20, payment: { id: 'p-9' } }];
    await ingest(byId, batch);
    const dataDir = gateway.dataDir;
    await gateway.kill('SIGKILL');
    gateway = await startGateway({ dataDir });
    await processed(byId);
    await ingest(byId, batch);
    expect(await counted(byId)).toBe(7);
    expect(await duplicates(byId)).toBe(5);
  });
});
