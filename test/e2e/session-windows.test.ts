// Session windows through the gateway: rows equal to an independent sessionization of the events
// (out of order within the watermark delay, across a SIGKILL), and a session absorbed into another
// is retracted, live and in storage.

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, ViewAggregatesDocument, ViewsDocument, ViewUpdatesDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const BASE = Date.UTC(2026, 10, 23, 14, 0, 0);
const GAP = 60_000;

/** Independent of the product: per user, times sorted, a new session wherever one starts after the last one's end (last time + gap). */
function sessionsOf(events: { ts: number; user: string }[]): string[] {
  const byUser = new Map<string, number[]>();
  for (const { ts, user } of events) byUser.set(user, [...(byUser.get(user) ?? []), ts]);
  const sessions: string[] = [];
  for (const [user, times] of byUser) {
    times.sort((a, b) => a - b);
    let [start, end, count] = [times[0], times[0] + GAP, 0];
    for (const time of times) {
      if (time > end) {
        sessions.push(`${user} ${start}-${end} ${count}`);
        [start, count] = [time, 0];
      }
      end = Math.max(end, time + GAP);
      count += 1;
    }
    sessions.push(`${user} ${start}-${end} ${count}`);
  }
  return sessions.sort();
}

describe('session windows', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('browsing');
  const view = uniqueName('browsing_sessions');
  let ingested = 0;
  const ingest = async (events: { ts: number; user: string }[]) => {
    await gateway.client.request(IngestDocument, { stream, events });
    ingested += events.length;
  };
  const processed = () =>
    waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === ingested || undefined, {
      timeoutMs: 30_000,
      what: `the view to process ${ingested} events`,
    });
  const stored = async () =>
    (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates.map((row) => `${(row.key as { user: string }).user} ${Date.parse(row.windowStart)}-${Date.parse(row.windowEnd)} ${(row.values as { visits: number }).visits}`).sort();

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '30s' } });
    const created = await gateway.client.request(CreateViewDocument, { input: { name: view, stream, session: '1m', groupBy: ['user'], measures: [{ name: 'visits', fn: 'COUNT' }] } });
    expect(created.createView).toMatchObject({ session: '1m', window: '1m', hop: null });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('retracts, live, the row of a session that an out-of-order event merges into an earlier one', async () => {
    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const updates: string[] = [];
    const unsubscribe = client.subscribe(
      { query: print(ViewUpdatesDocument), variables: { view } },
      {
        next: ({ data }) => {
          const row = (data as { viewUpdates: { windowStart: string; eventCount: number; retracted: boolean; key: { user: string } } }).viewUpdates;
          if (row.key.user === 'zed') updates.push(`${Date.parse(row.windowStart) - BASE} ${row.eventCount}${row.retracted ? ' retracted' : ''}`);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      await waitFor(async () => /^tributary_live_subscribers\s+[1-9]/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'the subscription to start' });
      // Watermark 80 s - 30 s = 50 s: both sessions are still open.
      await ingest([{ ts: BASE, user: 'zed' }, { ts: BASE + 80_000, user: 'zed' }]);
      await processed();
      await ingest([{ ts: BASE + 40_000, user: 'zed' }]); // bridges [0, 60 s) and [80 s, 140 s)
      await processed();
      await waitFor(() => updates.some((u) => u.endsWith('retracted')) || undefined, { timeoutMs: 10_000, what: 'the retraction to be pushed' });
      expect(updates).toEqual(['0 1', '80000 1', '0 3', '80000 0 retracted']);
      expect((await stored()).filter((row) => row.startsWith('zed'))).toEqual([`zed ${BASE}-${BASE + 140_000} 3`]);
    } finally {
      unsubscribe();
      await client.dispose();
    }
  });

  it('stores what an independent sessionization computes, out of order within the delay, across a SIGKILL', async () => {
    let seed = 11;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    const events = Array.from({ length: 3_000 }, (_, i) => ({ ts: BASE + 1_000_000 + i * 700 + Math.floor(random() * 25_000), user: `user${Math.floor(random() * 25)}` }));
    await ingest(events.slice(0, 1_500));
    await processed();
    const dataDir = gateway.dataDir;
    await gateway.kill('SIGKILL');
    gateway = await startGateway({ dataDir });
    await ingest(events.slice(1_500));
    const closing = { ts: BASE + 10_000_000, user: 'closer' };
    await ingest([closing]);
    await processed();
    const expected = sessionsOf([{ ts: BASE, user: 'zed' }, { ts: BASE + 80_000, user: 'zed' }, { ts: BASE + 40_000, user: 'zed' }, ...events, closing]);
    expect(await stored()).toEqual(expected);
    expect((await gateway.client.request(ViewsDocument, { stream })).views[0].progress?.lateEvents).toBe(0);
  });
});
