// A running gateway whose ClickHouse server goes away, then stops answering, behind a TCP proxy the
// test controls. The event log decouples ingest from the aggregate store: ingest keeps acknowledging,
// the processor retries its write and holds its offset, and once the server is back the aggregates
// equal the ground truth: nothing lost, nothing counted twice.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { FaultProxy } from '../helpers/fault-proxy';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';

const installed = clickHouseServerInstalled();
if (!installed) process.stdout.write('SKIPPED: ClickHouse server fault tests (install Debian clickhouse-server)\n');

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const SPEC: ViewSpec = {
  windowMs: 10_000,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
  ],
};
const COUNTRIES = ['de', 'fr', 'us'];
/** Small processor batches, so a stalled write holds back a small part of what was ingested. */
const PROCESSOR_BATCH = 200;
const RETRY_LOG = 'aggregate write failed; retrying';
/** Batches of 500 ingested while the server stalls. */
const STALLED_BATCHES = 200;

function events(from: number, count: number): SentEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const time = T0 + i * 37;
    return { time, payload: { ts: time, country: COUNTRIES[i % COUNTRIES.length], amount: (i % 50) + 0.25 } };
  });
}

describe.skipIf(!installed)('gateway whose ClickHouse server fails under it', () => {
  let proxy: FaultProxy;
  let gateway: GatewayProcess;
  const stream = uniqueName('orders');
  const view = uniqueName('orders_10s');
  const sent: SentEvent[] = [];

  const ingest = async (batch: SentEvent[]) => {
    const { ingest: result } = await gateway.client.request(IngestDocument, { stream, events: batch.map((e) => e.payload) });
    expect(result.rejected).toBe(0);
    sent.push(...batch);
  };
  const processed = async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents;
  const aggregatesMatchTruth = async (label: string) => {
    gateway.assertAlive();
    const rows = (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
    const expected = expectedRows(sent, SPEC);
    if (rows.reduce((n, r) => n + r.eventCount, 0) !== sent.length) return false;
    expectRowsEqual(rows, expected, SPEC, label);
    return true;
  };
  const retriesLogged = () => gateway.log().split(RETRY_LOG).length - 1;
  const heapUsed = async () => Number(/^tributary_process_nodejs_heap_size_used_bytes (\S+)$/m.exec(await gateway.metrics())?.[1]);

  beforeAll(async () => {
    const server = await clickHouseServer();
    proxy = await FaultProxy.start(server.url);
    gateway = await startGateway({
      env: {
        TRIBUTARY_AGGREGATES: 'clickhouse',
        TRIBUTARY_CLICKHOUSE_URL: proxy.url(server.url),
        TRIBUTARY_CLICKHOUSE_DATABASE: uniqueName('tributary_faults'),
        TRIBUTARY_PROCESSOR_BATCH_SIZE: String(PROCESSOR_BATCH),
      },
    });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '1h' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '10s', groupBy: SPEC.groupBy, measures: SPEC.measures.map((m) => ({ name: m.name, fn: m.fn, field: m.field ?? null })) },
    });
    await ingest(events(0, 300));
    await waitFor(() => aggregatesMatchTruth('before any fault'), { timeoutMs: 30_000, intervalMs: 100, what: 'the first aggregates' });
  }, 120_000);

  afterAll(async () => {
    proxy?.restore();
    await gateway?.stop();
    await proxy?.close();
  });

  it('retries writes while the server is gone, answers queries with a retriable error, and loses nothing once it is back', async () => {
    const before = await processed();
    const retriesBefore = retriesLogged();
    proxy.cut();
    await ingest(events(300, 300)); // ingest needs only the log
    await waitFor(() => retriesLogged() > retriesBefore + 1, { timeoutMs: 30_000, what: 'the processor to retry its aggregate write' });
    // The write cannot have landed, so the view's offset has not moved past it.
    expect(await processed()).toBe(before);
    const refused = await gateway.client.request(ViewAggregatesDocument, { view }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(GraphQLRequestError);
    expect((refused as GraphQLRequestError).errors[0].extensions).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });

    proxy.restore();
    await waitFor(() => aggregatesMatchTruth('after the server came back'), { timeoutMs: 60_000, intervalMs: 200, what: 'aggregates to equal the ground truth again' });
    expect(await processed()).toBe(sent.length);
    gateway.assertAlive();
  }, 120_000);

  it('keeps acknowledging ingest while the server stalls, holding one batch in memory, and catches up after', async () => {
    const before = await processed();
    const heapBefore = await heapUsed();
    proxy.stall();
    // Far more than one processor batch: the backlog must stay in the log, not in the gateway.
    for (let i = 0; i < STALLED_BATCHES; i++) await ingest(events(600 + i * 500, 500));
    const heapDuring = await heapUsed();
    expect(await processed()).toBe(before);
    // 100,000 decoded events would take 50 MB and more of heap; the processor holds one batch of 200.
    expect(heapDuring - heapBefore, 'heap growth while 100,000 events waited in the log').toBeLessThan(40 * 1024 * 1024);

    proxy.restore();
    await waitFor(() => aggregatesMatchTruth('after the stall'), { timeoutMs: 120_000, intervalMs: 250, what: 'the view to catch up with the backlog' });
    expect(await processed()).toBe(sent.length);
    gateway.assertAlive();
  }, 240_000);
});
