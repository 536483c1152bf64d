// ClickHouse over TLS: the AggregateStore contract on Debian's clickhouse-server serving HTTPS with a
// development CA and requiring client certificates (mutual TLS); connections without a client
// certificate or trusting another CA are refused; and the gateway reaches it through its settings.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ClickHouseAggregateStore } from '../../src/adapters/clickhouse/clickhouse-aggregate-store';
import { HttpClickHouseExecutor, openClickHouseServer } from '../../src/adapters/clickhouse/http-executor';
import { makeDevCertificates } from '../../src/cli/dev-certs';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled, type ClickHouseServer } from '../helpers/clickhouse-server';
import { startExpectingFailure, startGateway, waitFor } from '../helpers/gateway-process';
import { tempDir, uniqueName } from '../helpers/temp-dir';
import { describeAggregateStoreContract } from './aggregate-store.contract';

const installed = clickHouseServerInstalled();
if (!installed) process.stdout.write('SKIPPED: ClickHouse over TLS (install Debian clickhouse-server)\n');

const server = () => clickHouseServer({ mutualTls: true }) as Promise<Required<ClickHouseServer>>;
const clientTls = ({ certs }: Required<ClickHouseServer>) => ({ ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) });

describe.skipIf(!installed)('ClickHouse server over mutual TLS', () => {
  describeAggregateStoreContract(
    'ClickHouse server (HTTPS, client certificate)',
    async ({ migrationsDir }) => {
      const tls = await server();
      return new ClickHouseAggregateStore(new HttpClickHouseExecutor({ url: tls.httpsUrl, tls: clientTls(tls) }), { migrationsDir });
    },
    { exactFloats: false },
  );

  it('is refused without a client certificate, or when the server is not signed by the trusted CA', async () => {
    const tls = await server();
    const withoutCert = openClickHouseServer({ url: tls.httpsUrl, tls: { ca: readFileSync(tls.certs.caCert) }, requestTimeoutMs: 5_000 });
    await expect(withoutCert).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', message: expect.stringContaining(`cannot use the ClickHouse server at ${tls.httpsUrl}`) });
    const other = await makeDevCertificates(tempDir('tributary-other-ca-'));
    const untrusted = openClickHouseServer({ url: tls.httpsUrl, tls: { ca: readFileSync(other.caCert), cert: readFileSync(other.clientCert), key: readFileSync(other.clientKey) }, requestTimeoutMs: 5_000 });
    await expect(untrusted).rejects.toThrow(/certificate/i);
  });

  it('serves the gateway configured with TRIBUTARY_CLICKHOUSE_TLS_*', async () => {
    const tls = await server();
    const env = {
      TRIBUTARY_AGGREGATES: 'clickhouse',
      TRIBUTARY_CLICKHOUSE_URL: tls.httpsUrl,
      TRIBUTARY_CLICKHOUSE_DATABASE: uniqueName('tributary_tls'),
      TRIBUTARY_CLICKHOUSE_TLS_CA_FILE: tls.certs.caCert,
      TRIBUTARY_CLICKHOUSE_TLS_CERT_FILE: tls.certs.clientCert,
      TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE: tls.certs.clientKey,
    };
    const gateway = await startGateway({ env });
    try {
      const stream = uniqueName('orders');
      const view = uniqueName('per_minute');
      await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
      await gateway.client.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
      await gateway.client.request(IngestDocument, { stream, events: [{ ts: 1_000 }, { ts: 2_000 }, { ts: 61_000 }] });
      await waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === 3, { timeoutMs: 30_000, what: 'the view to process 3 events' });
      expect((await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates.map((row) => row.values)).toEqual([{ n: 2 }, { n: 1 }]);
    } finally {
      await gateway.stop();
    }
    const unreadable = await startExpectingFailure({ ...env, TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE: '/nonexistent/client.key' });
    expect(unreadable.code).toBe(1);
    expect(unreadable.stderr).toContain('TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE: cannot read /nonexistent/client.key');
  });
});
