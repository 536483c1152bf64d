// The gateway on Kafka (TRIBUTARY_EVENT_LOG=kafka): a clear, fast refusal when no broker answers, and
// (on a broker the test starts, or the cluster KAFKA_BROKERS names, with Debian's clickhouse-server
// installed) two instances sharing one cluster: events ingested on A are aggregated and pushed live on
// B; killing A loses nothing.

import { randomBytes } from 'node:crypto';
import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewUpdatesDocument,
  type ViewUpdatesSubscription,
} from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { startExpectingFailure, startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { kafkaBroker, kafkaBrokerUnavailable } from '../helpers/kafka-broker';
import { uniqueName } from '../helpers/temp-dir';

describe('gateway told to use an unreachable Kafka cluster', () => {
  it('refuses to start, naming the setting to check', async () => {
    const result = await startExpectingFailure({ TRIBUTARY_EVENT_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: '127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
    expect(result.stderr).toMatch(/TRIBUTARY_KAFKA_BROKERS/);
  });
});

const kafkaMissing = kafkaBrokerUnavailable();
const clickhouse = clickHouseServerInstalled();
if (kafkaMissing) process.stdout.write(`SKIPPED: two gateway instances on one Kafka cluster (${kafkaMissing})\n`);
else if (!clickhouse) process.stdout.write('SKIPPED: two gateway instances on one Kafka cluster (install Debian clickhouse-server)\n');

const SPEC: ViewSpec = {
  windowMs: 10_000,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'buyers', fn: 'UNIQ', field: 'user' },
  ],
};
const COUNTRIES = ['DE', 'FR', 'US', 'JP', 'BR', 'IN', 'NG'];
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

function events(from: number, count: number): SentEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const time = T0 + i * 37;
    return { time, payload: { ts: time, country: COUNTRIES[(i * 5) % COUNTRIES.length], user: `u${i % 97}`, amount: (i % 13) + 0.5 } };
  });
}

describe.skipIf(kafkaMissing !== undefined || !clickhouse)('two gateway instances on one Kafka cluster', () => {
  let ws: Client | undefined;
  afterAll(async () => {
    await ws?.dispose();
  });

  it('aggregates on B what A ingested, pushes it live on B, and loses nothing when A is killed', async () => {
    const [server, kafka] = await Promise.all([clickHouseServer(), kafkaBroker()]);
    const env = {
      TRIBUTARY_EVENT_LOG: 'kafka',
      TRIBUTARY_KAFKA_BROKERS: kafka.brokers,
      TRIBUTARY_KAFKA_TOPIC_PREFIX: `tributary-e2e-${randomBytes(4).toString('hex')}.`,
      TRIBUTARY_KAFKA_PARTITIONS: '4',
      TRIBUTARY_AGGREGATES: 'clickhouse',
      TRIBUTARY_CLICKHOUSE_URL: server.url,
      TRIBUTARY_CLICKHOUSE_DATABASE: uniqueName('tributary_scale'),
    };
    const a: GatewayProcess = await startGateway({ env, startTimeoutMs: 120_000 });
    const b: GatewayProcess = await startGateway({ env, startTimeoutMs: 120_000 });
    const stream = uniqueName('orders');
    const view = uniqueName('orders_10s');
    // Nothing is late: every window's numbers are exact whichever partition and instance folds them.
    const created = await a.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '1h', partitions: 3, partitionKey: SPEC.groupBy[0] } });
    expect(created.createStream).toMatchObject({ partitions: 3, partitionKey: SPEC.groupBy[0] });
    await a.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '10s', groupBy: SPEC.groupBy, measures: SPEC.measures.map((m) => ({ name: m.name, fn: m.fn, field: m.field ?? null })) },
    });
    await waitFor(async () => (await b.client.request(StreamsDocument, {})).streams.some((s) => s.name === stream), {
      timeoutMs: 30_000,
      what: 'instance B to learn the stream created on A',
    });

    const updates: ViewUpdatesSubscription['viewUpdates'][] = [];
    ws = createClient({ url: b.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    ws.subscribe<ViewUpdatesSubscription>(
      { query: print(ViewUpdatesDocument), variables: { view } },
      { next: (result) => result.data && updates.push(result.data.viewUpdates), error: () => undefined, complete: () => undefined },
    );
    await waitFor(async () => /^tributary_live_subscribers\s+([1-9]\d*)/m.test(await b.metrics()), { timeoutMs: 15_000, what: 'B to register the subscription' });

    const sent: SentEvent[] = [];
    const ingest = async (gateway: GatewayProcess, batch: SentEvent[]) => {
      const { ingest: result } = await gateway.client.request(IngestDocument, { stream, events: batch.map((e) => e.payload) });
      expect(result.rejected).toBe(0);
      sent.push(...batch);
    };
    for (let i = 0; i < 4; i++) await ingest(a, events(i * 500, 500));

    const rowsOnB = async () => (await b.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
    const matches = async (label: string) => {
      const rows = await rowsOnB();
      const expected = expectedRows(sent, SPEC);
      if (rows.length !== expected.length || rows.reduce((n, r) => n + r.eventCount, 0) !== sent.length) return false;
      expectRowsEqual(rows, expected, SPEC, label);
      return true;
    };
    await waitFor(() => matches('after ingest on A'), { timeoutMs: 120_000, intervalMs: 250, what: 'aggregates on B to equal what A ingested' });
    // Live updates travel through the _live topic, so they may arrive after the rows are queryable.
    const liveTotal = () => {
      const latest = new Map<string, number>();
      for (const row of updates) latest.set(`${row.windowStart}|${JSON.stringify(row.key)}`, row.eventCount);
      return [...latest.values()].reduce((n, c) => n + c, 0);
    };
    await waitFor(() => liveTotal() === sent.length, { timeoutMs: 30_000, what: `live updates on B to add up to the ${sent.length} events ingested on A` });
    expect(liveTotal()).toBe(sent.length);

    await a.kill('SIGKILL');
    for (let i = 4; i < 8; i++) await ingest(b, events(i * 500, 500));
    // B takes over A's partitions once the group notices A is gone (its session timeout).
    await waitFor(() => matches('after A was killed'), { timeoutMs: 150_000, intervalMs: 500, what: 'B alone to aggregate every event, A’s partitions included' }).catch(
      async (error: Error) => {
        const counted = (await rowsOnB().catch(() => [])).reduce((n, r) => n + r.eventCount, 0);
        throw new Error(`${error.message}\nevents counted on B: ${counted} of ${sent.length}\nB's last output:\n${b.log().slice(-20_000)}`);
      },
    );
    // Closed before B stops, so its "going away" is no error to report.
    await ws.dispose();
    await b.stop();
  }, 400_000);
});
