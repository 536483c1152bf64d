// kill -9 at the worst moments: right after an ingest was acknowledged, and again and again while the
// processor works through a backlog. After a restart on the same data directory the aggregates must
// equal the ground truth exactly (nothing lost, nothing counted twice), and definitions must survive.

import { describe, expect, it } from 'vitest';
import {
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  LineageDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewsDocument,
  type CreateViewInput,
  type MeasureFn,
} from '../../src/client/generated/graphql';
import { freshDataDir, startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';
import { seeded } from '../helpers/seeded';

const T0 = Date.UTC(2026, 4, 20, 8, 0, 0);
const WATERMARK_DELAY_MS = 5_000;
const BATCH = 1_000;
const COUNTRIES = ['de', 'fr', 'us', 'jp'];

const TUMBLING: ViewSpec = {
  windowMs: 10_000,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'smallest', fn: 'MIN', field: 'amount' },
    { name: 'largest', fn: 'MAX', field: 'amount' },
    { name: 'avg_amount', fn: 'AVG', field: 'amount' },
    { name: 'buyers', fn: 'UNIQ', field: 'user' },
    { name: 'p50', fn: 'P50', field: 'amount' },
    { name: 'p90', fn: 'P90', field: 'amount' },
    { name: 'p95', fn: 'P95', field: 'amount' },
    { name: 'p99', fn: 'P99', field: 'amount' },
  ],
};

const HOPPING: ViewSpec = {
  windowMs: 30_000,
  hopMs: 10_000,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'buyers', fn: 'UNIQ', field: 'user' },
    { name: 'p90', fn: 'P90', field: 'amount' },
  ],
};

/**
 * `count` events spread evenly over [from, from + spanMs), 15% of them up to 4 s early (out of order,
 * but within the 5 s watermark delay, so none is late).
 */
function generate(seed: number, count: number, from: number, spanMs: number): SentEvent[] {
  const random = seeded(seed);
  return Array.from({ length: count }, (_, i) => {
    const base = from + Math.floor((i * spanMs) / count);
    const time = random() < 0.15 ? Math.max(from, base - Math.floor(random() * 4_000)) : base;
    return {
      time,
      payload: {
        ts: i % 4 === 0 ? new Date(time).toISOString() : time,
        country: COUNTRIES[Math.floor(random() * COUNTRIES.length)],
        user: `user_${Math.floor(random() * 700)}`,
        amount: Math.round(random() * 100_000) / 100,
      },
    };
  });
}

function viewInput(name: string, stream: string, spec: ViewSpec): CreateViewInput {
  return {
    name,
    stream,
    window: `${spec.windowMs / 1_000}s`,
    hop: spec.hopMs ? `${spec.hopMs / 1_000}s` : null,
    groupBy: spec.groupBy,
    measures: spec.measures.map((m) => ({ name: m.name, fn: m.fn as MeasureFn, field: m.field ?? null })),
  };
}

async function ingestAll(gateway: GatewayProcess, stream: string, events: SentEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += BATCH) {
    const batch = events.slice(start, start + BATCH).map((e) => e.payload);
    const { ingest } = await gateway.client.request(IngestDocument, { stream, events: batch });
    expect(ingest.accepted, `batch at ${start}`).toBe(batch.length);
  }
}

async function progressOf(gateway: GatewayProcess, stream: string) {
  return (await gateway.client.request(ViewsDocument, { stream })).views.map((v) => ({ name: v.name, progress: v.progress }));
}

async function waitUntilProcessed(gateway: GatewayProcess, stream: string, views: number, total: number): Promise<void> {
  await waitFor(
    async () => {
      gateway.assertAlive();
      const progress = await progressOf(gateway, stream);
      return progress.length === views && progress.every((v) => v.progress?.processedEvents === total);
    },
    { timeoutMs: 90_000, what: `all ${views} views of ${stream} to report processedEvents = ${total}` },
  );
}

/** Every row of the view equals the ground truth of `sent`, and is final exactly when the watermark passed it. */
async function expectAggregates(gateway: GatewayProcess, view: string, spec: ViewSpec, sent: SentEvent[], label: string): Promise<void> {
  const rows = (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
  expectRowsEqual(rows, expectedRows(sent, spec), spec, label);
  const watermark = Math.max(...sent.map((e) => e.time)) - WATERMARK_DELAY_MS;
  for (const row of rows) {
    expect(row.final, `${label}: final of ${row.windowStart} ${JSON.stringify(row.key)}`).toBe(Date.parse(row.windowEnd) <= watermark);
  }
}

/** The stream's definition and views as listed, without what changes as events arrive. */
async function definitions(gateway: GatewayProcess, stream: string) {
  const listed = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream);
  const views = (await gateway.client.request(ViewsDocument, { stream })).views.map(({ progress: _progress, ...definition }) => definition);
  return { stream: listed && { ...listed, eventCount: undefined, quarantinedCount: undefined }, views };
}

describe('crash recovery on the embedded stores', () => {
  it('loses and double-counts nothing when SIGKILLed right after an acknowledged ingest', async () => {
    const dataDir = freshDataDir();
    const stream = uniqueName('acked');
    const tumbling = uniqueName('acked_10s');
    const hopping = uniqueName('acked_hop');
    const producer = uniqueName('till');
    let gateway = await startGateway({ dataDir, producer });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '5s' } });
    await gateway.client.request(CreateViewDocument, { input: viewInput(tumbling, stream, TUMBLING) });
    await gateway.client.request(CreateViewDocument, { input: viewInput(hopping, stream, HOPPING) });
    const before = await definitions(gateway, stream);

    // Phase 1: 5,000 events over 50 s of event time; killed the instant the last batch is acknowledged.
    const phase1 = generate(1, 5_000, T0, 50_000);
    await ingestAll(gateway, stream, phase1);
    await gateway.kill('SIGKILL');

    gateway = await startGateway({ dataDir, producer });
    expect(await definitions(gateway, stream)).toEqual(before);
    // Lineage recorded by the killed process survives: producer → stream → views.
    const { lineage } = await gateway.client.request(LineageDocument, { node: `stream:${stream}`, direction: 'BOTH', depth: 1 });
    expect(lineage.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toEqual(
      expect.arrayContaining([
        `producer:${producer} -PRODUCES_TO-> stream:${stream}`,
        `stream:${stream} -FEEDS-> view:${tumbling}`,
        `stream:${stream} -FEEDS-> view:${hopping}`,
      ]),
    );
    await waitUntilProcessed(gateway, stream, 2, phase1.length);
    await expectAggregates(gateway, tumbling, TUMBLING, phase1, 'after the first kill (tumbling)');
    await expectAggregates(gateway, hopping, HOPPING, phase1, 'after the first kill (hopping)');

    // Phase 2 continues the windows that were still open at the kill, then closes them; killed again
    // right after its last acknowledgement. Open-window state must have survived both kills.
    const phase2 = generate(2, 3_000, T0 + 50_000, 50_000);
    const closing: SentEvent = { time: T0 + 110_000, payload: { ts: T0 + 110_000, country: 'de', user: 'closer', amount: 3.5 } };
    const sent = [...phase1, ...phase2, closing];
    await ingestAll(gateway, stream, [...phase2, closing]);
    await gateway.kill('SIGKILL');

    gateway = await startGateway({ dataDir, producer });
    const info = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream);
    expect(info?.eventCount, 'every acknowledged event is in the log after the kill').toBe(sent.length);
    await waitUntilProcessed(gateway, stream, 2, sent.length);
    await expectAggregates(gateway, tumbling, TUMBLING, sent, 'after the second kill (tumbling)');
    await expectAggregates(gateway, hopping, HOPPING, sent, 'after the second kill (hopping)');
    expect((await progressOf(gateway, stream)).map((v) => v.progress?.lateEvents)).toEqual([0, 0]);
    await gateway.stop();
  }, 120_000);

  it('ends with exact aggregates after repeated SIGKILLs while working through a 60,000-event backlog', async () => {
    const dataDir = freshDataDir();
    const stream = uniqueName('backlog');
    const tumbling = uniqueName('backlog_10s');
    const hopping = uniqueName('backlog_hop');
    let gateway = await startGateway({ dataDir });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '5s' } });

    // The backlog is logged before the views exist, so their jobs start with all of it to work through.
    const backlog = generate(3, 60_000, T0, 120_000);
    const closing: SentEvent = { time: T0 + 125_000, payload: { ts: T0 + 125_000, country: 'us', user: 'closer', amount: 0.25 } };
    const sent = [...backlog, closing];
    await ingestAll(gateway, stream, sent);
    await gateway.client.request(CreateViewDocument, { input: viewInput(tumbling, stream, TUMBLING) });
    await gateway.client.request(CreateViewDocument, { input: viewInput(hopping, stream, HOPPING) });
    const before = await definitions(gateway, stream);

    // Kill as soon as a view is strictly mid-way; after each restart, kill again as soon as the views
    // have moved on from where they restarted (or have finished).
    const kills: string[] = [];
    for (let cycle = 0; cycle < 4; cycle++) {
      let restartedAt: number | undefined;
      const seen = await waitFor(
        async () => {
          gateway.assertAlive();
          const done = (await progressOf(gateway, stream)).map((v) => v.progress?.processedEvents);
          if (done.length !== 2 || done.some((p) => p === undefined)) return undefined;
          const sum = (done as number[]).reduce((a, b) => a + b, 0);
          const finished = done.every((p) => p === sent.length);
          const midway = done.some((p) => p! > 0 && p! < sent.length);
          if (finished) return { done, note: 'finished' };
          if (cycle === 0) return midway ? { done, note: 'mid-way' } : undefined;
          restartedAt ??= sum;
          return midway && sum > restartedAt ? { done, note: 'mid-way, after moving on' } : undefined;
        },
        { timeoutMs: 60_000, what: `cycle ${cycle}: the views to be mid-way through the backlog, or done`, intervalMs: 5 },
      );
      await gateway.kill('SIGKILL');
      kills.push(`cycle ${cycle}: killed at processedEvents ${seen.done.join(' / ')} of ${sent.length} (${seen.note})`);
      gateway = await startGateway({ dataDir });
    }
    console.info(`backlog kills:\n  ${kills.join('\n  ')}`);

    expect(await definitions(gateway, stream)).toEqual(before);
    await waitUntilProcessed(gateway, stream, 2, sent.length);
    await expectAggregates(gateway, tumbling, TUMBLING, sent, `after ${kills.length} kills (tumbling)`);
    await expectAggregates(gateway, hopping, HOPPING, sent, `after ${kills.length} kills (hopping)`);
    expect((await progressOf(gateway, stream)).map((v) => v.progress?.lateEvents)).toEqual([0, 0]);
    await gateway.stop();
  }, 180_000);

  it('stops cleanly on SIGTERM mid-backlog and resumes to exact aggregates', async () => {
    const dataDir = freshDataDir();
    const stream = uniqueName('graceful');
    const view = uniqueName('graceful_10s');
    let gateway = await startGateway({ dataDir });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '5s' } });
    const sent = generate(4, 30_000, T0, 60_000);
    await ingestAll(gateway, stream, sent);
    await gateway.client.request(CreateViewDocument, { input: viewInput(view, stream, TUMBLING) });
    const seen = await waitFor(
      async () => {
        gateway.assertAlive();
        const [done] = (await progressOf(gateway, stream)).map((v) => v.progress?.processedEvents);
        return done !== undefined && done > 0 ? done : undefined;
      },
      { timeoutMs: 60_000, what: 'the view to start working through the backlog', intervalMs: 5 },
    );
    // Soft: a shutdown that is not clean is reported, and recovery is still checked.
    expect.soft(await gateway.stop(), `exit status after SIGTERM at processedEvents ${seen} of ${sent.length}`).toEqual({ code: 0, signal: null });

    gateway = await startGateway({ dataDir });
    await waitUntilProcessed(gateway, stream, 1, sent.length);
    await expectAggregates(gateway, view, TUMBLING, sent, 'after SIGTERM mid-backlog');
    await gateway.stop();
  }, 120_000);

  it('keeps a batch whose ingest was in flight at the kill all or nothing, and counts it once if kept', async () => {
    const dataDir = freshDataDir();
    const stream = uniqueName('inflight');
    const view = uniqueName('inflight_10s');
    let gateway = await startGateway({ dataDir });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '5s' } });
    await gateway.client.request(CreateViewDocument, { input: viewInput(view, stream, TUMBLING) });
    const eventCount = async () => (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream)!.eventCount;

    // Big batches, so the append and the answer take long enough to be caught in flight. Round 0 is
    // killed as soon as the gateway has answered one other request after the batch was sent (the
    // batch may not be durable yet); the later rounds the moment the batch shows up in the log (its
    // acknowledgement may not have left yet). Which of these happens varies; each outcome is checked.
    const INFLIGHT_BATCH = 10_000;
    const logged: SentEvent[] = [];
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const batch = generate(10 + round, INFLIGHT_BATCH, T0 + round * 20_000, 20_000);
      const known = logged.length;
      let answer: 'acked' | 'failed' | undefined;
      const request = gateway.client
        .request(IngestDocument, { stream, events: batch.map((e) => e.payload) })
        .then(() => (answer = 'acked'), () => (answer = 'failed'));
      await waitFor(async () => answer !== undefined || (await eventCount()) > known || round === 0, {
        timeoutMs: 30_000,
        what: `round ${round}: the in-flight batch to reach the log`,
        intervalMs: 1,
      });
      await gateway.kill('SIGKILL');
      await request;
      gateway = await startGateway({ dataDir });
      const count = await eventCount();
      outcomes.push(`round ${round}: request ${answer}; log holds ${count - known} of its ${INFLIGHT_BATCH} events`);
      expect([known, known + INFLIGHT_BATCH], `round ${round}: the batch is all or nothing`).toContain(count);
      if (answer === 'acked') expect(count, `round ${round}: an acknowledged batch is kept`).toBe(known + INFLIGHT_BATCH);
      if (count === known + INFLIGHT_BATCH) logged.push(...batch);
    }
    console.info(`in-flight kills:\n  ${outcomes.join('\n  ')}`);

    await waitUntilProcessed(gateway, stream, 1, logged.length);
    await expectAggregates(gateway, view, TUMBLING, logged, 'after in-flight kills');
    await gateway.stop();
  }, 120_000);

  it('keeps stream and view definitions across SIGKILL and clean restarts, and keeps processing them', async () => {
    const dataDir = freshDataDir();
    const clicks = uniqueName('clicks');
    const orders = uniqueName('orders');
    const clicksView = uniqueName('clicks_1m');
    const ordersView = uniqueName('orders_hop');
    const ordersByCity = uniqueName('orders_city');
    let gateway = await startGateway({ dataDir });
    await gateway.client.request(CreateStreamDocument, {
      input: { name: clicks, description: 'page clicks', timestampField: 'meta.at', watermarkDelay: '2s' },
    });
    await gateway.client.request(CreateStreamDocument, { input: { name: orders, description: 'orders', watermarkDelay: '0s' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: clicksView, stream: clicks, description: 'clicks per page', window: '1m', groupBy: ['page'], measures: [{ name: 'clicks', fn: 'COUNT' }] },
    });
    await gateway.client.request(CreateViewDocument, {
      input: { name: ordersView, stream: orders, window: '1h', hop: '15m', measures: [{ name: 'revenue', fn: 'SUM', field: 'amount' }] },
    });
    // The last definition is acknowledged, and then the process is killed at once.
    await gateway.client.request(CreateViewDocument, {
      input: {
        name: ordersByCity,
        stream: orders,
        window: '10s',
        groupBy: ['address.city', 'channel'],
        measures: [
          { name: 'n', fn: 'COUNT' },
          { name: 'big', fn: 'MAX', field: 'amount' },
        ],
      },
    });
    const before = { clicks: await definitions(gateway, clicks), orders: await definitions(gateway, orders) };
    expect(before.orders.views.map((v) => v.name)).toEqual([ordersView, ordersByCity].sort());
    await gateway.kill('SIGKILL');

    gateway = await startGateway({ dataDir });
    expect({ clicks: await definitions(gateway, clicks), orders: await definitions(gateway, orders) }).toEqual(before);
    await gateway.stop();
    gateway = await startGateway({ dataDir });
    expect({ clicks: await definitions(gateway, clicks), orders: await definitions(gateway, orders) }).toEqual(before);

    // The restored definitions still work: the names stay taken, lineage still links stream to
    // view, and the restored views aggregate new events by their timestamp field and keys.
    const duplicate = await gateway.client.request(CreateStreamDocument, { input: { name: clicks } }).catch((error: unknown) => error);
    expect((duplicate as { code?: string }).code).toBe('ALREADY_EXISTS');
    const { lineage } = await gateway.client.request(LineageDocument, { node: `stream:${orders}`, direction: 'DOWNSTREAM', depth: 1 });
    expect(lineage.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toEqual(
      expect.arrayContaining([`stream:${orders} -FEEDS-> view:${ordersView}`, `stream:${orders} -FEEDS-> view:${ordersByCity}`]),
    );
    const clickEvents: SentEvent[] = [0, 5_000, 61_000, 200_000].map((offset, i) => ({
      time: T0 + offset,
      payload: { meta: { at: new Date(T0 + offset).toISOString() }, page: i % 2 ? '/cart' : '/home' },
    }));
    const orderEvents: SentEvent[] = [0, 3_000, 12_000, 14_000, 40_000].map((offset, i) => ({
      time: T0 + offset,
      payload: { ts: T0 + offset, amount: 10 * (i + 1), address: { city: i < 3 ? 'Lyon' : 'Oslo' }, channel: 'web' },
    }));
    await ingestAll(gateway, clicks, clickEvents);
    await ingestAll(gateway, orders, orderEvents);
    await waitUntilProcessed(gateway, clicks, 1, clickEvents.length);
    await waitUntilProcessed(gateway, orders, 2, orderEvents.length);
    const clickSpec: ViewSpec = { windowMs: 60_000, groupBy: ['page'], measures: [{ name: 'clicks', fn: 'COUNT' }] };
    const clickRows = (await gateway.client.request(ViewAggregatesDocument, { view: clicksView })).viewAggregates;
    expectRowsEqual(clickRows, expectedRows(clickEvents, clickSpec), clickSpec, 'clicks');
    const byCity = (await gateway.client.request(ViewAggregatesDocument, { view: ordersByCity })).viewAggregates;
    expect(byCity.map((r) => [Date.parse(r.windowStart) - T0, r.key, r.values, r.final])).toEqual([
      [0, { 'address.city': 'Lyon', channel: 'web' }, { n: 2, big: 20 }, true],
      [10_000, { 'address.city': 'Lyon', channel: 'web' }, { n: 1, big: 30 }, true],
      [10_000, { 'address.city': 'Oslo', channel: 'web' }, { n: 1, big: 40 }, true],
      [40_000, { 'address.city': 'Oslo', channel: 'web' }, { n: 1, big: 50 }, false],
    ]);
    await gateway.stop();
  }, 120_000);
});
