// Events in Confluent's wire format, encoded by the real @kafkajs/confluent-schema-registry client
// against the gateway's registry: sent base64 through GraphQL and as raw bytes over HTTP, decoded
// with the version their id names, and aggregated like any other event.

import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, CreateViewDocument, IngestEncodedDocument, QuarantineDocument, ViewAggregatesDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const ORDER = JSON.stringify({
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'ts', type: 'long' },
    { name: 'country', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'token', type: 'bytes', default: '' },
  ],
});

describe('ingest of Confluent wire-format messages', () => {
  let gateway: GatewayProcess;
  let client: SchemaRegistry;
  const stream = uniqueName('orders');
  let orderId: number;

  beforeAll(async () => {
    gateway = await startGateway();
    client = new SchemaRegistry({ host: `${gateway.baseUrl}/schema-registry` });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    orderId = (await client.register({ type: SchemaType.AVRO, schema: ORDER }, { subject: `${stream}-value` })).id;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('decodes Avro binary sent as base64 through GraphQL and as raw bytes, and aggregates it', async () => {
    const view = uniqueName('orders_by_country');
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '1m', groupBy: ['country'], measures: [{ name: 'n', fn: 'COUNT' }, { name: 'total', fn: 'SUM', field: 'amount' }] },
    });
    const encode = (event: Record<string, unknown>) => client.encode(orderId, event);
    const messages = [
      await encode({ ts: T0, country: 'DE', amount: 10, token: Buffer.from([1, 2, 3]) }),
      await encode({ ts: T0 + 1_000, country: 'DE', amount: 5.5, token: Buffer.alloc(0) }),
      await encode({ ts: T0 + 2_000, country: 'FR', amount: 1, token: Buffer.alloc(0) }),
    ];
    const { ingestEncoded } = await gateway.client.request(IngestEncodedDocument, { stream, messages: messages.map((m) => m.toString('base64')) });
    expect(ingestEncoded).toMatchObject({ accepted: 3, rejected: 0, errors: [] });

    const raw = await fetch(`${gateway.baseUrl}/streams/${stream}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', 'x-tributary-producer': 'kafka-bridge' },
      body: await encode({ ts: T0 + 61_000, country: 'FR', amount: 2, token: Buffer.alloc(0) }),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ accepted: 1, rejected: 0 });

    const rows = await waitFor(
      async () => {
        const found = (await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates;
        return found.reduce((n, r) => n + r.eventCount, 0) === 4 ? found : undefined;
      },
      { timeoutMs: 30_000, what: 'the decoded events to be aggregated' },
    );
    expect(rows.map((r) => [r.key, r.values])).toEqual([
      [{ country: 'DE' }, { n: 2, total: 15.5 }],
      [{ country: 'FR' }, { n: 1, total: 1 }],
      [{ country: 'FR' }, { n: 1, total: 2 }],
    ]);
  });

  it('refuses messages that are not wire format, name a schema of another subject, or do not decode, and quarantines them as sent', async () => {
    const other = (await client.register({ type: SchemaType.AVRO, schema: JSON.stringify({ type: 'record', name: 'Click', fields: [{ name: 'ts', type: 'long' }] }) }, { subject: `${uniqueName('clicks')}-value` })).id;
    const good = await client.encode(orderId, { ts: T0, country: 'DE', amount: 1, token: Buffer.alloc(0) });
    const foreign = await client.encode(other, { ts: T0 });
    const messages = [Buffer.from('{"ts": 1}'), foreign, good.subarray(0, good.length - 3), good];
    const { ingestEncoded } = await gateway.client.request(IngestEncodedDocument, { stream, messages: messages.map((m) => m.toString('base64')) });
    expect(ingestEncoded.accepted).toBe(1);
    expect(ingestEncoded.errors.map((e) => [e.index, e.code, e.path])).toEqual([
      [0, 'INVALID_EVENT', 'messages[0]'],
      [1, 'SCHEMA_VIOLATION', 'messages[1]'],
      [2, 'SCHEMA_VIOLATION', 'messages[2]'],
    ]);
    expect(ingestEncoded.errors[0].message).toContain('not in Confluent wire format');
    expect(ingestEncoded.errors[1].message).toBe(`messages[1] names schema id ${other}, which is not a version of ${stream}-value`);
    expect(ingestEncoded.errors[2].message).toContain('cannot be decoded as Avro');
    const { quarantine } = await gateway.client.request(QuarantineDocument, { stream, limit: 3 });
    expect(quarantine.map((q) => q.event).reverse()).toEqual(messages.slice(0, 3).map((m) => m.toString('base64')));

    const notBase64 = await gateway.client.request(IngestEncodedDocument, { stream, messages: ['***'] }).catch((error: unknown) => error);
    expect(JSON.stringify(notBase64)).toContain('messages[0] is not base64');
  });

  it('decodes JSON Schema wire-format messages too', async () => {
    const jsonStream = uniqueName('pings');
    await gateway.client.request(CreateStreamDocument, { input: { name: jsonStream } });
    const schema = JSON.stringify({ type: 'object', properties: { ts: { type: 'integer' }, host: { type: 'string' } }, required: ['ts', 'host'] });
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: `${jsonStream}-value` });
    const message = await client.encode(id, { ts: T0, host: 'web-1' });
    const { ingestEncoded } = await gateway.client.request(IngestEncodedDocument, { stream: jsonStream, messages: [message.toString('base64')] });
    expect(ingestEncoded).toMatchObject({ accepted: 1, rejected: 0 });
  });
});
