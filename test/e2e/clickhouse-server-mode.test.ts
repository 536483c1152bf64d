// The gateway with its aggregates on a ClickHouse server (TRIBUTARY_AGGREGATES=clickhouse): the same
// API and numbers as the embedded default, and a clear, fast failure when the server is unreachable.

import { afterAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { startExpectingFailure, startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const installed = clickHouseServerInstalled();
if (!installed) process.stdout.write('SKIPPED: gateway on a ClickHouse server (install Debian clickhouse-server)\n');

describe.skipIf(!installed)('gateway with aggregates on a ClickHouse server', () => {
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.stop();
  });

  it('stores and serves window aggregates from the server', async () => {
    const server = await clickHouseServer();
    const database = uniqueName('tributary_e2e');
    gateway = await startGateway({ env: { TRIBUTARY_AGGREGATES: 'clickhouse', TRIBUTARY_CLICKHOUSE_URL: server.url, TRIBUTARY_CLICKHOUSE_DATABASE: database } });
    const stream = uniqueName('orders');
    const view = uniqueName('per_minute');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '1m', groupBy: ['country'], measures: [{ name: 'n', fn: 'COUNT' }, { name: 'total', fn: 'SUM', field: 'amount' }] },
    });
    const events = [
      { ts: 1_000, country: 'DE', amount: 5 },
      { ts: 2_000, country: 'DE', amount: 7 },
      { ts: 3_000, country: 'FR', amount: 1 },
      { ts: 61_000, country: 'FR', amount: 2 },
    ];
    await gateway.client.request(IngestDocument, { stream, events });
    await waitFor(async () => (await gateway!.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === 4, {
      timeoutMs: 30_000,
      what: 'the view to process 4 events',
    });
    const { viewAggregates } = await gateway.client.request(ViewAggregatesDocument, { view });
    expect(viewAggregates.map((r) => [r.key, r.values, r.final])).toEqual([
      [{ country: 'DE' }, { n: 2, total: 12 }, true],
      [{ country: 'FR' }, { n: 1, total: 1 }, true],
      [{ country: 'FR' }, { n: 1, total: 2 }, false],
    ]);
    const rows = await fetch(`${server.url}/?query=${encodeURIComponent(`SELECT count() FROM ${database}.window_aggregates FINAL`)}`);
    expect((await rows.text()).trim()).toBe('3');
  });
});

describe('gateway told to use an unreachable ClickHouse server', () => {
  it('refuses to start, naming the setting to check', async () => {
    const result = await startExpectingFailure({ TRIBUTARY_AGGREGATES: 'clickhouse', TRIBUTARY_CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot use the ClickHouse server at http://127.0.0.1:1');
    expect(result.stderr).toContain('TRIBUTARY_CLICKHOUSE_URL');
  });
});
