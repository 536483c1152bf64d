// Fault injection through the gateway's API and CLI: off unless switched on; when on, an aggregate
// store outage injected by an admin leaves ingest working, makes queries fail as a real outage would
// and the processor retry, and once cleared the aggregates catch up to exactly what was ingested.

import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { ClearFaultsDocument, CreateStreamDocument, CreateViewDocument, FaultsDocument, IngestDocument, InjectFaultDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'src', 'cli.js');
const BASE = Date.UTC(2026, 10, 23, 12, 0, 0);

const codeOf = (request: Promise<unknown>) =>
  request.then(
    () => 'OK',
    (error: GraphQLRequestError) => error.errors?.[0]?.extensions?.code,
  );

describe('fault injection', () => {
  describe('on a gateway that does not allow it', () => {
    let gateway: GatewayProcess;
    beforeAll(async () => {
      gateway = await startGateway();
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it('is refused, and no fault is active', async () => {
      expect(await codeOf(gateway.client.request(InjectFaultDocument, { input: { port: 'aggregates', kind: 'OUTAGE' } }))).toBe('FAULT_INJECTION_DISABLED');
      expect((await gateway.client.request(FaultsDocument, {})).faults).toEqual([]);
    });
  });

  describe('on a gateway started with TRIBUTARY_FAULT_INJECTION=true', () => {
    let gateway: GatewayProcess;
    const stream = uniqueName('sensor');
    const view = uniqueName('sensor_per_minute');
    beforeAll(async () => {
      gateway = await startGateway({ env: { TRIBUTARY_FAULT_INJECTION: 'true' } });
      await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
      await gateway.client.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it('keeps ingest working through an aggregate-store outage, and catches up exactly once it is cleared', async () => {
      const injected = (await gateway.client.request(InjectFaultDocument, { input: { port: 'aggregates', operation: 'upsert', kind: 'OUTAGE' } })).injectFault;
      expect(injected).toMatchObject({ id: 'fault-1', port: 'aggregates', operation: '*', kind: 'OUTAGE', probability: 1, until: null, hits: 0 });

      const events = Array.from({ length: 300 }, (_, i) => ({ ts: BASE + i * 1_000 }));
      for (let i = 0; i < events.length; i += 100) {
        expect((await gateway.client.request(IngestDocument, { stream, events: events.slice(i, i + 100) })).ingest.accepted).toBe(100);
      }
      expect(await codeOf(gateway.client.request(ViewAggregatesDocument, { view }))).toBe('STORAGE_UNAVAILABLE');
      await waitFor(async () => ((await gateway.client.request(FaultsDocument, {})).faults[0]?.hits ?? 0) >= 3 || undefined, {
        timeoutMs: 30_000,
        what: 'the processor to keep trying the store',
      });
      expect((await gateway.client.request(ViewsDocument, { stream })).views[0].progress?.processedEvents).toBe(0);

      expect((await gateway.client.request(ClearFaultsDocument, {})).clearFaults.map((f) => f.id)).toEqual(['fault-1']);
      await waitFor(async () => (await gateway.client.request(ViewsDocument, { stream })).views[0].progress?.processedEvents === 300, {
        timeoutMs: 60_000,
        what: 'the view to catch up',
      });
      const rows = (await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates;
      expect(rows.map((row) => (row.values as { n: number }).n)).toEqual([60, 60, 60, 60, 60]);
    });

    it('refuses a fault that names nothing real, naming the field', async () => {
      const refused = await gateway.client.request(InjectFaultDocument, { input: { port: 'aggregates', operation: 'truncate', kind: 'ERROR' } }).catch((error: GraphQLRequestError) => error);
      expect((refused as GraphQLRequestError).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'operation' } });
    });

    it('is driven from the CLI: inject, list, clear', async () => {
      const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, [CLI, 'fault', ...args, '--url', gateway.url], { timeout: 30_000 })).stdout.trim();
      expect(await cli('inject', 'eventLog', 'append', 'LATENCY', '--latency', '50ms', '--probability', '0.5', '--duration', '10m')).toMatch(
        /^fault-\d+ {2}LATENCY 50ms on eventLog\.append p=0\.5 until \S+, 0 hits \(by tributary-cli\)$/,
      );
      expect(await cli('list')).toMatch(/LATENCY 50ms on eventLog\.append/);
      expect(await cli('clear')).toMatch(/^cleared fault-\d+ {2}LATENCY/);
      expect(await cli('list')).toBe('no faults active');
    });
  });

  describe('backpressure', () => {
    let gateway: GatewayProcess;
    const stream = uniqueName('meter');
    const view = uniqueName('meter_per_minute');
    beforeAll(async () => {
      // Batches of 100: the processor stuck on the store holds one batch, however much the log holds.
      gateway = await startGateway({ env: { TRIBUTARY_FAULT_INJECTION: 'true', TRIBUTARY_MAX_PROCESSING_LAG: '150', TRIBUTARY_PROCESSOR_BATCH_SIZE: '100' } });
      await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
      await gateway.client.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    });
    afterAll(async () => {
      await gateway?.stop();
    });

    it('holds one batch while the store fails, refuses ingest retriably while the views are too far behind, shows the lag, and takes events again once they catch up', async () => {
      const progress = async () => (await gateway.client.request(ViewsDocument, { stream })).views[0].progress!;
      const batch = (from: number) => Array.from({ length: 100 }, (_, i) => ({ ts: BASE + (from + i) * 1_000 }));
      await gateway.client.request(InjectFaultDocument, { input: { port: 'aggregates', operation: 'upsert', kind: 'ERROR' } });
      await gateway.client.request(IngestDocument, { stream, events: batch(0) });
      // Within one batch of the log's end: a view that has caught up, which backpressure is for.
      await waitFor(async () => (await progress()).lag === 100 || undefined, { timeoutMs: 15_000, what: 'the lag of 100 to be sampled' });
      await gateway.client.request(IngestDocument, { stream, events: batch(100) });
      await waitFor(async () => (await progress()).lag === 200 || undefined, { timeoutMs: 15_000, what: 'the lag of 200 to be sampled' });

      const refused = await gateway.client.request(IngestDocument, { stream, events: batch(200) }).catch((error: GraphQLRequestError) => error);
      expect((refused as GraphQLRequestError).errors[0]).toMatchObject({
        message: `the views of stream "${stream}" are 200 events behind (the limit is 150); retry in 1000 ms`,
        extensions: { code: 'PROCESSING_BEHIND', retriable: true, retryAfterMs: 1_000, lag: 200 },
      });
      const metrics = await gateway.metrics();
      expect(metrics).toMatch(new RegExp(`^tributary_processor_lag_events\\{view="${view}"\\} 200$`, 'm'));
      // Memory stays bounded: it read one batch, and reads no further until that batch is stored.
      expect(metrics).toMatch(new RegExp(`^tributary_processor_events_total\\{view="${view}"\\} 100$`, 'm'));

      await gateway.client.request(ClearFaultsDocument, {});
      await waitFor(async () => ((await progress()).lag === 0 && (await progress()).processedEvents === 200) || undefined, { timeoutMs: 30_000, what: 'the view to catch up' });
      expect((await gateway.client.request(IngestDocument, { stream, events: batch(200) })).ingest.accepted).toBe(100);
      await waitFor(async () => (await progress()).processedEvents === 300 || undefined, { timeoutMs: 30_000, what: 'the view to take the new events' });
      const rows = (await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates;
      expect(rows.reduce((sum, row) => sum + (row.values as { n: number }).n, 0)).toBe(300);
    });
  });
});
