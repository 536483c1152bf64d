// Replay and backfill: a view created over a stream with history computes it (from a given time when
// asked); rebuildView recomputes a view as its next generation, from the start or from a time, with
// progress visible, and ends with exactly the rows a view made that way from scratch would have.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { AuditLogDocument, CreateStreamDocument, CreateViewDocument, IngestDocument, RebuildViewDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const BASE = Date.UTC(2026, 10, 23, 9, 0, 0);
const MINUTE = 60_000;

describe('replaying history into views', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('rides');
  const measures = [{ name: 'rides', fn: 'COUNT' as const }, { name: 'km', fn: 'SUM' as const, field: 'km' }];
  // 10 minutes of history, 30 rides a minute, then one event that closes every window.
  const history = [...Array.from({ length: 300 }, (_, i) => ({ ts: BASE + i * 2_000, km: (i % 7) + 1 })), { ts: BASE + 20 * MINUTE, km: 0 }];

  const view = async (name: string) => (await gateway.client.request(ViewsDocument, { stream })).views.find((v) => v.name === name)!;
  const processed = (name: string) =>
    waitFor(async () => (await view(name)).progress?.processedEvents === history.length || undefined, { timeoutMs: 30_000, what: `${name} to process the history` });
  const rows = async (name: string) => (await gateway.client.request(ViewAggregatesDocument, { view: name, limit: 1_000 })).viewAggregates;
  const summary = async (name: string) => (await rows(name)).map((row) => [row.windowStart, row.values, row.final]);

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    await gateway.client.request(IngestDocument, { stream, events: history });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('computes a view created after the events from the start of the stream, or from a given time', async () => {
    const whole = uniqueName('rides_whole');
    const recent = uniqueName('rides_recent');
    await gateway.client.request(CreateViewDocument, { input: { name: whole, stream, window: '1m', measures } });
    const created = await gateway.client.request(CreateViewDocument, { input: { name: recent, stream, window: '1m', measures, from: new Date(BASE + 5 * MINUTE).toISOString() } });
    await processed(whole);
    await processed(recent);
    const all = await rows(whole);
    expect(all).toHaveLength(11);
    expect(all.slice(0, 10).every((row) => (row.values as { rides: number }).rides === 30)).toBe(true);
    expect((await rows(recent)).map((row) => row.windowStart)).toEqual(all.slice(5).map((row) => row.windowStart));
    expect((await view(recent)).from).toBe(new Date(BASE + 5 * MINUTE).toISOString());
    expect((await view(created.createView.name)).generation).toBe(0);
  });

  it('rebuilds a view as its next generation, from the start or from a time, to what a fresh view would hold', async () => {
    const name = uniqueName('rides_rebuilt');
    await gateway.client.request(CreateViewDocument, { input: { name, stream, window: '1m', measures } });
    await processed(name);
    const before = await summary(name);
    const oldRevisions = (await rows(name)).map((row) => row.revision);

    const rebuilt = (await gateway.client.request(RebuildViewDocument, { name, reason: 'measure definitions fixed upstream' })).rebuildView;
    expect(rebuilt).toMatchObject({ generation: 1, from: null });
    await waitFor(async () => ((await view(name)).generation === 1 && (await view(name)).progress?.processedEvents === history.length) || undefined, {
      timeoutMs: 30_000,
      what: 'generation 1 to process the history',
    });
    await waitFor(async () => (await rows(name)).length === before.length || undefined, { timeoutMs: 10_000, what: 'the rebuilt rows' });
    expect(await summary(name)).toEqual(before);
    const newRevisions = (await rows(name)).map((row) => row.revision);
    expect(Math.min(...newRevisions)).toBeGreaterThan(Math.max(...oldRevisions));

    await gateway.client.request(RebuildViewDocument, { name, from: new Date(BASE + 8 * MINUTE).toISOString() });
    await waitFor(async () => ((await view(name)).generation === 2 && (await view(name)).progress?.processedEvents === history.length) || undefined, {
      timeoutMs: 30_000,
      what: 'generation 2 to process the history',
    });
    // Rows of windows before the new start belong to an old generation and are no longer the view's.
    expect(await summary(name)).toEqual(before.slice(8));
    const audit = (await gateway.client.request(AuditLogDocument, { resource: `view:${name}`, action: 'REBUILD_VIEW' })).auditLog;
    expect(audit.map((entry) => [entry.detail, entry.reason])).toEqual([
      [`generation 2, from ${new Date(BASE + 8 * MINUTE).toISOString()}`, null],
      ['generation 1, from the start of the stream', 'measure definitions fixed upstream'],
    ]);
  });

  it('refuses to rebuild a view that does not exist, naming it', async () => {
    const refused = await gateway.client.request(RebuildViewDocument, { name: 'no_such_view' }).catch((error: GraphQLRequestError) => error);
    expect((refused as GraphQLRequestError).errors[0]).toMatchObject({ extensions: { code: 'UNKNOWN_VIEW', field: 'name' } });
  });
});
