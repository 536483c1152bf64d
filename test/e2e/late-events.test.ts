// Allowed lateness and the late side output through the gateway: a window that has fired takes late
// events for as long as the view allows, each time emitting a corrected final row with a higher
// revision (live and stored); events later than that are kept, queryable and counted, and a
// restart after SIGKILL neither loses nor doubles them.

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, LateEventsDocument, ViewAggregatesDocument, ViewsDocument, ViewUpdatesDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const MINUTE = 60_000;
const BASE = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('late events', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('clicks');
  const view = uniqueName('clicks_per_minute');
  let ingested = 0;
  const ingest = async (...events: { ts: number; country: string }[]) => {
    await gateway.client.request(IngestDocument, { stream, events });
    ingested += events.length;
    await waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === ingested, {
      timeoutMs: 30_000,
      what: `the view to process ${ingested} events`,
    });
  };
  const window0 = async () => (await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates.find((row) => row.windowStart === new Date(BASE).toISOString());

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    const created = await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '1m', allowedLateness: '30s', groupBy: ['country'], measures: [{ name: 'clicks', fn: 'COUNT' }] },
    });
    expect(created.createView.allowedLateness).toBe('30s');
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('corrects a fired window with each event within the allowed lateness, live and stored', async () => {
    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const updates: { windowStart: string; final: boolean; revision: number; clicks: number }[] = [];
    const unsubscribe = client.subscribe(
      { query: print(ViewUpdatesDocument), variables: { view } },
      {
        next: ({ data }) => {
          const row = (data as { viewUpdates: { windowStart: string; final: boolean; revision: number; values: { clicks: number } } }).viewUpdates;
          if (row.windowStart === new Date(BASE).toISOString()) updates.push({ windowStart: row.windowStart, final: row.final, revision: row.revision, clicks: row.values.clicks });
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
    try {
      await waitFor(async () => /^tributary_live_subscribers\s+[1-9]/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'the subscription to start' });
      await ingest({ ts: BASE + 10_000, country: 'DE' });
      await ingest({ ts: BASE + 70_000, country: 'DE' }); // the watermark passes the end of [BASE, BASE + 1m): it fires
      expect(await window0()).toMatchObject({ final: true, values: { clicks: 1 } });
      const fired = (await window0())!.revision;
      await ingest({ ts: BASE + 59_000, country: 'DE' }); // late, but within 30 s of the window's end
      const corrected = await window0();
      expect(corrected).toMatchObject({ final: true, values: { clicks: 2 } });
      expect(corrected!.revision).toBeGreaterThan(fired);
      await waitFor(() => updates.some((u) => u.clicks === 2) || undefined, { timeoutMs: 10_000, what: 'the corrected row to be pushed live' });
      expect(updates.map((u) => [u.final, u.clicks])).toEqual([
        [false, 1],
        [true, 1],
        [true, 2],
      ]);
      expect(updates[2].revision).toBeGreaterThan(updates[1].revision);
    } finally {
      unsubscribe();
      await client.dispose();
    }
  });

  it('keeps events past the allowed lateness in the late side output, counted, and neither lost nor doubled by SIGKILL', async () => {
    await ingest({ ts: BASE + MINUTE + 30_000, country: 'FR' }); // watermark BASE + 1m30s: window 0 is past its lateness
    await ingest({ ts: BASE + 5_000, country: 'DE' }, { ts: BASE + 6_000, country: 'FR' });
    expect(await window0()).toMatchObject({ values: { clicks: 2 } });
    const { lateEvents } = await gateway.client.request(LateEventsDocument, { view });
    expect(lateEvents.total).toBe(2);
    expect(lateEvents.events.map((e) => [e.payload, e.eventTime, e.watermark])).toEqual([
      [{ ts: BASE + 6_000, country: 'FR' }, new Date(BASE + 6_000).toISOString(), new Date(BASE + MINUTE + 30_000).toISOString()],
      [{ ts: BASE + 5_000, country: 'DE' }, new Date(BASE + 5_000).toISOString(), new Date(BASE + MINUTE + 30_000).toISOString()],
    ]);
    expect((await gateway.client.request(ViewsDocument, { stream })).views[0].progress?.lateEvents).toBe(2);
    expect(await gateway.metrics()).toMatch(new RegExp(`^tributary_processor_late_events_total\\{view="${view}"\\} 2$`, 'm'));

    const dataDir = gateway.dataDir;
    await gateway.kill('SIGKILL');
    gateway = await startGateway({ dataDir });
    await waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === ingested, { timeoutMs: 30_000, what: 'the view to restore' });
    expect((await gateway.client.request(LateEventsDocument, { view })).lateEvents.total).toBe(2);
    expect(await window0()).toMatchObject({ final: true, values: { clicks: 2 } });
  });
});
