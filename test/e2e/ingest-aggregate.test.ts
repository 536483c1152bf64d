// The main path end to end, as a user sees it: a real gateway process, 10,000 events in batches over
// several event-time windows and groups, read back through viewAggregates and watched live over
// graphql-ws; every number is checked against totals computed independently in the test.

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  LineageDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewUpdatesDocument,
  ViewsDocument,
  type MeasureFn,
  type ViewUpdatesSubscription,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import {
  expectRowEquals,
  expectRowsEqual,
  expectedRows,
  lateEventCount,
  rowId,
  type ApiWindowRow,
  type SentEvent,
  type ViewSpec,
} from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';
import { seeded } from '../helpers/seeded';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const EVENTS = 10_000;
const BATCH = 1_000;
const SPAN_MS = 120_000; // twelve 10 s windows of event time
const WATERMARK_DELAY_MS = 5_000;
const MAX_SHIFT_MS = 4_000; // out of order, but always within the watermark delay
const COUNTRIES = ['de', 'fr', 'us', 'jp', 'br'];
const DEVICES = ['web', 'ios', 'android'];

/** RFC 3339 text of `time` in a zone `offsetMinutes` east of UTC, e.g. 2026-01-15T14:00:01.250+02:00. */
function rfc3339WithOffset(time: number, offsetMinutes: number): string {
  const local = new Date(time + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The timestamp as a producer might send it: epoch ms, UTC text, or text with a zone offset. */
function tsFor(time: number, i: number): number | string {
  if (i % 5 === 1) return new Date(time).toISOString();
  if (i % 5 === 2) return rfc3339WithOffset(time, i % 2 === 0 ? 120 : -330);
  return time;
}

function generateEvents(): SentEvent[] {
  const random = seeded(20260115);
  const events: SentEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const base = T0 + Math.floor((i * SPAN_MS) / EVENTS);
    const time = random() < 0.15 ? Math.max(T0, base - Math.floor(random() * MAX_SHIFT_MS)) : base;
    const payload: Record<string, unknown> = {
      ts: tsFor(time, i),
      country: COUNTRIES[Math.floor(random() * COUNTRIES.length)],
      device: DEVICES[Math.floor(random() * DEVICES.length)],
      user: `user_${Math.floor(random() * 400)}`,
      latency: Math.floor(random() * 2_000),
    };
    const r = random();
    // A few events carry no amount, or a null one: they count as events but not as amounts.
    // Refunds make some amounts negative.
    if (r >= 0.02) payload.amount = Math.round(random() * 55_000 - 5_000) / 100 + 0; // + 0: no -0, which JSON sends as 0
    else if (r >= 0.01) payload.amount = null;
    events.push({ time, payload });
  }
  return events;
}

const TUMBLING: ViewSpec = {
  windowMs: 10_000,
  hopMs: null,
  groupBy: ['country', 'device'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'smallest', fn: 'MIN', field: 'amount' },
    { name: 'largest', fn: 'MAX', field: 'amount' },
    { name: 'avg_amount', fn: 'AVG', field: 'amount' },
    { name: 'buyers', fn: 'UNIQ', field: 'user' },
    { name: 'p50_latency', fn: 'P50', field: 'latency' },
    { name: 'p90_latency', fn: 'P90', field: 'latency' },
    { name: 'p95_latency', fn: 'P95', field: 'latency' },
    { name: 'p99_latency', fn: 'P99', field: 'latency' },
    { name: 'p50_amount', fn: 'P50', field: 'amount' },
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
    { name: 'p99_latency', fn: 'P99', field: 'latency' },
    { name: 'largest', fn: 'MAX', field: 'amount' },
  ],
};

/** Hop that does not divide the window, and no groupBy: one row per window, keyed {}. */
const ODD_HOPPING: ViewSpec = {
  windowMs: 25_000,
  hopMs: 10_000,
  groupBy: [],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'smallest', fn: 'MIN', field: 'amount' },
    { name: 'p95_amount', fn: 'P95', field: 'amount' },
    { name: 'countries', fn: 'UNIQ', field: 'country' },
  ],
};

function measuresInput(spec: ViewSpec) {
  return spec.measures.map((m) => ({ name: m.name, fn: m.fn as MeasureFn, field: m.field ?? null }));
}

type Row = ViewUpdatesSubscription['viewUpdates'];

describe('ingest → windowed aggregates → live updates, 10,000 events', () => {
  const stream = uniqueName('orders');
  const tumblingView = uniqueName('orders_10s');
  const hoppingView = uniqueName('orders_30s_hop');
  const oddHoppingView = uniqueName('orders_25s_hop');
  const producer = uniqueName('checkout');
  const events = generateEvents();
  // Closes every data window (watermark = its time - 5 s = exactly the end of the last one) and
  // opens a window of its own, which stays the last, open one.
  const closing: SentEvent = {
    time: T0 + SPAN_MS + WATERMARK_DELAY_MS,
    payload: { ts: T0 + SPAN_MS + WATERMARK_DELAY_MS, country: 'de', device: 'web', user: 'user_closer', latency: 7, amount: 1.25 },
  };
  const all = [...events, closing];
  const watermark = closing.time - WATERMARK_DELAY_MS;

  let gateway: GatewayProcess;
  let ws: Client | undefined;
  const updates: Row[] = [];
  const subscriptionErrors: unknown[] = [];
  const ingestResults: { accepted: number; rejected: number; eventIds: string[]; errors: unknown[] }[] = [];

  async function views() {
    return (await gateway.client.request(ViewsDocument, { stream })).views;
  }

  async function rowsOf(view: string): Promise<Row[]> {
    return (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
  }

  beforeAll(async () => {
    gateway = await startGateway({ producer });
    await gateway.client.request(CreateStreamDocument, {
      input: { name: stream, description: 'shop orders', timestampField: 'ts', watermarkDelay: '5s', partitionKey: 'user', partitions: 8 },
    });
    await gateway.client.request(CreateViewDocument, {
      input: { name: tumblingView, stream, window: '10s', groupBy: TUMBLING.groupBy, measures: measuresInput(TUMBLING) },
    });
    await gateway.client.request(CreateViewDocument, {
      input: { name: hoppingView, stream, window: '30s', hop: '10s', groupBy: HOPPING.groupBy, measures: measuresInput(HOPPING) },
    });
    await gateway.client.request(CreateViewDocument, {
      input: { name: oddHoppingView, stream, window: '25s', hop: '10s', measures: measuresInput(ODD_HOPPING) },
    });

    // The dashboard subscribes before any event is sent.
    ws = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    ws.subscribe<ViewUpdatesSubscription>(
      { query: print(ViewUpdatesDocument), variables: { view: tumblingView } },
      {
        next: (result) => (result.data ? updates.push(result.data.viewUpdates) : subscriptionErrors.push(result.errors)),
        error: (error) => subscriptionErrors.push(error),
        complete: () => undefined,
      },
    );
    await waitFor(async () => /^tributary_live_subscribers\s+([1-9]\d*)/m.test(await gateway.metrics()), {
      timeoutMs: 15_000,
      what: 'the gateway to register the viewUpdates subscription (tributary_live_subscribers >= 1)',
    });

    for (let start = 0; start < events.length; start += BATCH) {
      const batch = events.slice(start, start + BATCH).map((e) => e.payload);
      ingestResults.push((await gateway.client.request(IngestDocument, { stream, events: batch })).ingest);
    }
    ingestResults.push((await gateway.client.request(IngestDocument, { stream, events: [closing.payload] })).ingest);

    await waitFor(
      async () => {
        gateway.assertAlive();
        const progress = (await views()).map((v) => v.progress?.processedEvents);
        return progress.length === 3 && progress.every((p) => p === all.length);
      },
      { timeoutMs: 90_000, what: `all three views to report processedEvents = ${all.length}` },
    );
  }, 180_000);

  afterAll(async () => {
    await ws?.dispose();
  });

  it('acknowledges every event of every batch with a unique event id', () => {
    expect(ingestResults.map((r) => r.accepted)).toEqual([...Array(EVENTS / BATCH).fill(BATCH), 1]);
    expect(ingestResults.every((r) => r.rejected === 0 && r.errors.length === 0)).toBe(true);
    const ids = ingestResults.flatMap((r) => r.eventIds);
    expect(ids).toHaveLength(all.length);
    expect(new Set(ids).size).toBe(all.length);
  });

  it('stores tumbling-window aggregates equal to the ground truth, every closed window final', async () => {
    const expected = expectedRows(all, TUMBLING);
    expect(expected.length).toBeGreaterThanOrEqual(12 * COUNTRIES.length * DEVICES.length); // the data is spread as intended
    const rows = await rowsOf(tumblingView);
    expectRowsEqual(rows, expected, TUMBLING, 'tumbling');
    for (const row of rows) {
      expect(row.view).toBe(tumblingView);
      expect(row.final, `final of window ${row.windowStart} ${JSON.stringify(row.key)}`).toBe(Date.parse(row.windowEnd) <= watermark);
    }
    // Only the closing event's window is still open.
    expect(rows.filter((r) => !r.final).map((r) => r.windowStart)).toEqual([new Date(T0 + SPAN_MS).toISOString()]);
    // Rows come ordered by window start.
    const starts = rows.map((r) => Date.parse(r.windowStart));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
  });

  it('stores hopping-window aggregates equal to the ground truth', async () => {
    const expected = expectedRows(all, HOPPING);
    const rows = await rowsOf(hoppingView);
    expectRowsEqual(rows, expected, HOPPING, 'hopping');
    for (const row of rows) {
      expect(row.final, `final of hopping window ${row.windowStart} ${JSON.stringify(row.key)}`).toBe(Date.parse(row.windowEnd) <= watermark);
    }
    // Each event falls in three 30 s windows sliding by 10 s.
    expect(rows.reduce((sum, r) => sum + r.eventCount, 0)).toBe(3 * all.length);
  });

  it('stores hopping windows whose hop does not divide the window, without groupBy, equal to the ground truth', async () => {
    const rows = await rowsOf(oddHoppingView);
    expectRowsEqual(rows, expectedRows(all, ODD_HOPPING), ODD_HOPPING, 'odd hopping');
    expect(rows.every((r) => JSON.stringify(r.key) === '{}')).toBe(true);
    for (const row of rows) {
      expect(row.final, `final of odd hopping window ${row.windowStart}`).toBe(Date.parse(row.windowEnd) <= watermark);
    }
  });

  it('honours from, to and limit on viewAggregates', async () => {
    const from = new Date(T0 + 20_000).toISOString();
    const to = new Date(T0 + 40_000).toISOString();
    const rows = (await gateway.client.request(ViewAggregatesDocument, { view: tumblingView, from, to })).viewAggregates;
    const expected = expectedRows(all, TUMBLING).filter((r) => r.windowStart >= T0 + 20_000 && r.windowStart < T0 + 40_000);
    expectRowsEqual(rows, expected, TUMBLING, 'from/to');
    const limited = (await gateway.client.request(ViewAggregatesDocument, { view: tumblingView, limit: 7 })).viewAggregates;
    expect(limited).toHaveLength(7);
  });

  it('pushes live updates to a subscriber opened before ingest, and one final row per closed window', async () => {
    const expected = expectedRows(all, TUMBLING);
    const closed = expected.filter((r) => r.windowEnd <= watermark);
    const open = expected.filter((r) => r.windowEnd > watermark);
    const finalsOf = () => updates.filter((u) => u.final);
    await waitFor(() => finalsOf().length >= closed.length, {
      timeoutMs: 20_000,
      what: `${closed.length} final viewUpdates messages (have ${finalsOf().length})`,
    });
    expect(subscriptionErrors).toEqual([]);
    expect(updates.every((u) => u.view === tumblingView)).toBe(true);
    expect(updates.some((u) => !u.final), 'at least one non-final update while windows were open').toBe(true);

    const finals = finalsOf();
    expect(finals.map((u) => rowId(Date.parse(u.windowStart), u.key)).sort(), 'exactly one final message per closed window').toEqual(
      closed.map((r) => rowId(r.windowStart, r.key)).sort(),
    );
    const finalById = new Map(finals.map((u) => [rowId(Date.parse(u.windowStart), u.key), u]));
    for (const row of closed) expectRowEquals(finalById.get(rowId(row.windowStart, row.key)) as ApiWindowRow, row, TUMBLING, 'final update');

    // A closed window never changes again; an open one's latest update is its current value.
    const lastById = new Map<string, Row>();
    updates.forEach((u, i) => {
      const id = rowId(Date.parse(u.windowStart), u.key);
      const previous = lastById.get(id);
      expect(previous?.final, `update #${i} for ${id} arrived after its final row`).not.toBe(true);
      if (previous) expect(u.revision, `revisions of ${id} never go back`).toBeGreaterThanOrEqual(previous.revision);
      lastById.set(id, u);
    });
    for (const row of open) {
      const last = lastById.get(rowId(row.windowStart, row.key));
      expect(last, `an update for open window ${row.windowStart} ${JSON.stringify(row.key)}`).toBeDefined();
      expect(last!.final).toBe(false);
      expectRowEquals(last as ApiWindowRow, row, TUMBLING, 'latest update');
    }
  });

  it('lists the stream and its views with their definitions and progress', async () => {
    const listed = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream);
    expect(listed).toEqual({
      name: stream,
      description: 'shop orders',
      timestampField: 'ts',
      watermarkDelay: '5s',
      partitionKey: 'user',
      partitions: 1, // the embedded log has one partition per topic, whatever was asked for
      eventIdField: null,
      dedupHorizon: '1h',
      idleTimeout: '1m',
      eventCount: all.length,
      quarantinedCount: 0,
      views: [tumblingView, hoppingView, oddHoppingView].sort().map((name) => ({ name })),
    });
    const listedViews = await views();
    expect(listedViews.map((v) => v.name)).toEqual([tumblingView, hoppingView, oddHoppingView].sort());
    const tumbling = listedViews.find((v) => v.name === tumblingView)!;
    expect(tumbling).toMatchObject({ stream, window: '10s', hop: null, allowedLateness: '0ms', groupBy: TUMBLING.groupBy, measures: measuresInput(TUMBLING) });
    const hopping = listedViews.find((v) => v.name === hoppingView)!;
    expect(hopping).toMatchObject({ stream, window: '30s', hop: '10s', groupBy: HOPPING.groupBy, measures: measuresInput(HOPPING) });
    const oddHopping = listedViews.find((v) => v.name === oddHoppingView)!;
    expect(oddHopping).toMatchObject({ stream, window: '25s', hop: '10s', groupBy: [], measures: measuresInput(ODD_HOPPING) });
    for (const view of listedViews) {
      expect(view.progress).toMatchObject({ processedEvents: all.length, lateEvents: 0, duplicateEvents: 0, watermark: new Date(watermark).toISOString() });
    }
    // The full listing holds them too, among other tests' streams and views.
    const everyView = (await gateway.client.request(ViewsDocument, {})).views.map((v) => v.name);
    expect(everyView).toEqual(expect.arrayContaining([tumblingView, hoppingView]));
  });

  it('records lineage producer → stream → view', async () => {
    const { lineage } = await gateway.client.request(LineageDocument, { node: `stream:${stream}`, direction: 'BOTH', depth: 3 });
    const ids = lineage.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining([`producer:${producer}`, `stream:${stream}`, `view:${tumblingView}`, `view:${hoppingView}`]));
    expect(lineage.nodes.find((n) => n.id === `producer:${producer}`)).toMatchObject({ kind: 'producer', name: producer });
    expect(lineage.nodes.find((n) => n.id === `stream:${stream}`)).toMatchObject({ kind: 'stream', name: stream });
    expect(lineage.nodes.find((n) => n.id === `view:${tumblingView}`)).toMatchObject({ kind: 'view', name: tumblingView });
    const edges = lineage.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`);
    expect(edges).toEqual(
      expect.arrayContaining([
        `producer:${producer} -PRODUCES_TO-> stream:${stream}`,
        `stream:${stream} -FEEDS-> view:${tumblingView}`,
        `stream:${stream} -FEEDS-> view:${hoppingView}`,
      ]),
    );
    // Upstream of a view: where its data came from, and not its sibling view.
    const upstream = (await gateway.client.request(LineageDocument, { node: `view:${tumblingView}`, direction: 'UPSTREAM', depth: 3 }))
      .lineage;
    const upstreamIds = upstream.nodes.map((n) => n.id);
    expect(upstreamIds).toEqual(expect.arrayContaining([`view:${tumblingView}`, `stream:${stream}`, `producer:${producer}`]));
    expect(upstreamIds).not.toContain(`view:${hoppingView}`);
  });

  it('counts ingested events in /metrics', async () => {
    const metrics = await gateway.metrics();
    const sample = (outcome: string): number | undefined => {
      for (const line of metrics.split('\n')) {
        const match = /^tributary_ingest_events_total\{([^}]*)\}\s+(\S+)$/.exec(line);
        if (!match) continue;
        const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
        if (labels.stream === stream && labels.outcome === outcome) return Number(match[2]);
      }
      return undefined;
    };
    expect(sample('accepted')).toBe(all.length);
    expect(sample('rejected') ?? 0).toBe(0);
  });

  it('leaves an event whose window already closed out of it, and counts it as late', async () => {
    const lateStream = uniqueName('late');
    const lateView = uniqueName('late_10s');
    const spec: ViewSpec = { windowMs: 10_000, groupBy: [], measures: [{ name: 'n', fn: 'COUNT' }, { name: 'total', fn: 'SUM', field: 'amount' }] };
    await gateway.client.request(CreateStreamDocument, { input: { name: lateStream, watermarkDelay: '2s' } });
    await gateway.client.request(CreateViewDocument, { input: { name: lateView, stream: lateStream, window: '10s', measures: measuresInput(spec) } });
    const sent: SentEvent[] = [1_000, 4_000, 9_999, 25_000, 5_000, 24_000, 12_000].map((offset, i) => ({
      time: T0 + offset,
      payload: { ts: T0 + offset, amount: i + 1 },
    }));
    // One event per request, so they reach the log in exactly this order.
    for (const event of sent) await gateway.client.request(IngestDocument, { stream: lateStream, events: [event.payload] });
    const progress = await waitFor(
      async () => {
        const view = (await gateway.client.request(ViewsDocument, { stream: lateStream })).views[0];
        return view?.progress?.processedEvents === sent.length ? view.progress : undefined;
      },
      { timeoutMs: 30_000, what: `view ${lateView} to process ${sent.length} events` },
    );
    // T0+5s arrives after T0+25s moved the watermark to T0+23s: window [T0, T0+10s) had closed.
    // T0+12s is also late: [T0+10s, T0+20s) closed at the same moment.
    expect(lateEventCount(sent, spec, 2_000)).toBe(2);
    expect(progress.lateEvents).toBe(2);
    const rows = await rowsOf(lateView);
    expectRowsEqual(rows, expectedRows(sent, spec, { watermarkDelayMs: 2_000 }), spec, 'late');
    expect(rows.find((r) => Date.parse(r.windowStart) === T0)).toMatchObject({ final: true, eventCount: 3, values: { n: 3, total: 6 } });
  });

  it('shuts down cleanly on Ctrl-C (SIGINT), with exit status 0', async () => {
    await ws?.dispose();
    ws = undefined;
    const exit = await gateway.kill('SIGINT');
    expect(exit, `exit status; the gateway's output:\n${gateway.log()}`).toEqual({ code: 0, signal: null });
  });
});
