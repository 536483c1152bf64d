// Three gateway instances on one Kafka broker and one ClickHouse server, a stream of six partitions:
// the view's partitions spread over the instances; a subscriber on C receives the rows A and B fold;
// when A is killed its partitions move to B and C within the group's session timeout and the results
// stay exact. Prints the rebalance time and the ack → subscriber latency across instances.

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, StreamsDocument, ViewAggregatesDocument, ViewUpdatesDocument, type ViewUpdatesSubscription } from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { kafkaBroker, kafkaBrokerUnavailable } from '../helpers/kafka-broker';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';

const unavailable = kafkaBrokerUnavailable() ?? (clickHouseServerInstalled() ? undefined : 'install Debian clickhouse-server');
if (unavailable) process.stdout.write(`SKIPPED: three gateway instances on one Kafka broker (${unavailable})\n`);

const SESSION_TIMEOUT_MS = 6_000;
const PARTITIONS = 6;
const SPEC: ViewSpec = {
  windowMs: 60_000,
  groupBy: ['shop'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
  ],
};
const SHOPS = Array.from({ length: 24 }, (_, i) => `shop-${i}`);
const T0 = Date.UTC(2026, 11, 3, 8, 0, 0);
const PROBES = 40;

function events(from: number, count: number): SentEvent[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    const time = T0 + i * 50;
    return { time, payload: { ts: time, shop: SHOPS[(i * 7) % SHOPS.length], amount: (i % 11) + 1 } };
  });
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

describe.skipIf(unavailable !== undefined)('three gateway instances on one Kafka broker', () => {
  const gateways: GatewayProcess[] = [];
  let ws: Client | undefined;
  afterAll(async () => {
    await ws?.dispose();
    await Promise.allSettled(gateways.map((gateway) => gateway.stop()));
  });

  it('spreads partitions, serves every instance’s rows live on another, and moves a killed instance’s partitions', async () => {
    const [broker, clickhouse] = await Promise.all([kafkaBroker(), clickHouseServer()]);
    const env = {
      TRIBUTARY_EVENT_LOG: 'kafka',
      TRIBUTARY_KAFKA_BROKERS: broker.brokers,
      TRIBUTARY_KAFKA_TOPIC_PREFIX: `${uniqueName('scale')}.`,
      TRIBUTARY_KAFKA_PARTITIONS: String(PARTITIONS),
      TRIBUTARY_KAFKA_SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
      TRIBUTARY_AGGREGATES: 'clickhouse',
      TRIBUTARY_CLICKHOUSE_URL: clickhouse.url,
      TRIBUTARY_CLICKHOUSE_DATABASE: uniqueName('tributary_scale'),
    };
    for (let i = 0; i < 3; i++) gateways.push(await startGateway({ env, startTimeoutMs: 120_000 }));
    const [a, b, c] = gateways;
    const stream = uniqueName('orders');
    const view = uniqueName('orders_1m');
    await a.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '1h', partitions: PARTITIONS, partitionKey: 'shop' } });
    await a.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '1m', groupBy: SPEC.groupBy, measures: SPEC.measures.map((m) => ({ name: m.name, fn: m.fn, field: m.field ?? null })) },
    });
    await waitFor(async () => (await c.client.request(StreamsDocument, {})).streams.some((s) => s.name === stream), { timeoutMs: 30_000, what: 'C to learn the stream' });

    const owned = async (gateway: GatewayProcess) => Number(new RegExp(`^tributary_processor_partitions\\{view="${view}"\\} (\\d+)$`, 'm').exec(await gateway.metrics())?.[1] ?? 0);
    const ownership = async (members: GatewayProcess[]) => Promise.all(members.map(owned));
    const spread = await waitFor(async () => {
      const shares = await ownership(gateways);
      return shares.reduce((n, s) => n + s, 0) === PARTITIONS && shares.every((s) => s > 0) ? shares : undefined;
    }, { timeoutMs: 60_000, intervalMs: 200, what: 'the view’s six partitions to spread over the three instances' });
    console.info(`partitions per instance: ${spread.join(', ')}`);

    const updates: { at: number; row: ViewUpdatesSubscription['viewUpdates'] }[] = [];
    ws = createClient({ url: c.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    ws.subscribe<ViewUpdatesSubscription>(
      { query: print(ViewUpdatesDocument), variables: { view } },
      { next: (result) => result.data && updates.push({ at: Date.now(), row: result.data.viewUpdates }), error: () => undefined, complete: () => undefined },
    );
    await waitFor(async () => /^tributary_live_subscribers\s+([1-9]\d*)/m.test(await c.metrics()), { timeoutMs: 15_000, what: 'C to register the subscription' });

    const sent: SentEvent[] = [];
    const ingest = async (gateway: GatewayProcess, batch: SentEvent[]) => {
      const { ingest: result } = await gateway.client.request(IngestDocument, { stream, events: batch.map((e) => e.payload) });
      expect(result.rejected).toBe(0);
      sent.push(...batch);
      return Date.now();
    };
    const folded = async (gateway: GatewayProcess) => Number(new RegExp(`^tributary_processor_events_total\\{view="${view}"\\} (\\d+)$`, 'm').exec(await gateway.metrics())?.[1] ?? 0);
    const matches = async (reader: GatewayProcess, label: string) => {
      const rows = (await reader.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
      if (rows.reduce((n, r) => n + r.eventCount, 0) !== sent.length) return false;
      expectRowsEqual(rows, expectedRows(sent, SPEC), SPEC, label);
      return true;
    };

    // Ack on A → update on C, one probe at a time, each a shop of its own (so a row of its own).
    const latencies: number[] = [];
    for (let p = 0; p < PROBES; p++) {
      const time = T0 + p * 10;
      const shop = `probe-${p}`;
      const acked = await ingest(a, [{ time, payload: { ts: time, shop, amount: 1 } }]);
      const update = await waitFor(() => updates.find((u) => (u.row.key as { shop?: string }).shop === shop), { timeoutMs: 30_000, intervalMs: 2, what: `C to receive ${shop}` });
      latencies.push(update.at - acked);
    }
    console.info(`ack on A → viewUpdates on C over ${PROBES} probes: p50 ${quantile(latencies, 0.5)} ms, p99 ${quantile(latencies, 0.99)} ms, max ${Math.max(...latencies)} ms`);

    for (let i = 0; i < 6; i++) await ingest(gateways[i % 3], events(i * 400, 400));
    await waitFor(() => matches(c, 'on three instances'), { timeoutMs: 120_000, intervalMs: 250, what: 'aggregates to equal what was ingested' });
    const foldedBy = await Promise.all(gateways.map(folded));
    expect(foldedBy.every((n) => n > 0), `every instance folds its share (events folded: ${foldedBy.join(', ')})`).toBe(true);
    const liveKeys = new Set(updates.map((u) => JSON.stringify(u.row.key)));
    expect(liveKeys.size, 'C heard of every shop, whichever instance folded it').toBe(SHOPS.length + PROBES);

    const killedAt = Date.now();
    await a.kill('SIGKILL');
    await waitFor(async () => {
      const shares = await ownership([b, c]);
      return shares.reduce((n, s) => n + s, 0) === PARTITIONS;
    }, { timeoutMs: SESSION_TIMEOUT_MS * 5, intervalMs: 100, what: 'B and C to take over A’s partitions' });
    const rebalanceMs = Date.now() - killedAt;
    console.info(`A killed: B and C own all ${PARTITIONS} partitions after ${rebalanceMs} ms (session timeout ${SESSION_TIMEOUT_MS} ms)`);
    expect(rebalanceMs).toBeLessThan(SESSION_TIMEOUT_MS * 3);

    for (let i = 6; i < 12; i++) await ingest(gateways[1 + (i % 2)], events(i * 400, 400));
    await waitFor(() => matches(b, 'after A was killed'), { timeoutMs: 120_000, intervalMs: 250, what: 'B and C to aggregate every event, A’s partitions included' });
  }, 400_000);
});
