// The Confluent-compatible REST API of a running gateway, driven by the real
// @kafkajs/confluent-schema-registry client and by plain HTTP for the exact error codes.

import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

const order = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Order', namespace: 'shop', fields });
const V1 = order([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'double' },
]);
const V2 = order([
  { name: 'id', type: 'string' },
  { name: 'amount', type: 'double' },
  { name: 'coupon', type: ['null', 'string'], default: null },
]);
const BREAKING = order([
  { name: 'id', type: 'long' },
  { name: 'amount', type: 'double' },
]);

describe('schema registry REST API (Confluent-compatible)', () => {
  let gateway: GatewayProcess;
  let base: string;
  let client: SchemaRegistry;
  const subject = `${uniqueName('orders')}-value`;
  const ids: number[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': CONTENT_TYPE, 'x-tributary-producer': 'registry-test' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.headers.get('content-type')).toBe(CONTENT_TYPE);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
  };
  const refusal = async (method: string, path: string, body: unknown, status: number, errorCode: number) => {
    const reply = await call(method, path, body);
    expect({ status: reply.status, error_code: reply.body.error_code }, JSON.stringify(reply.body)).toEqual({ status, error_code: errorCode });
    expect(typeof reply.body.message).toBe('string');
    return String(reply.body.message);
  };

  beforeAll(async () => {
    gateway = await startGateway();
    base = `${gateway.baseUrl}/schema-registry`;
    client = new SchemaRegistry({ host: base });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('registers through the Confluent client, returns the same id for the same schema, and round-trips the wire format', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject });
    ids.push(id);
    expect((await client.register({ type: SchemaType.AVRO, schema: V1 }, { subject })).id).toBe(id);
    const encoded = await client.encode(id, { id: 'o-1', amount: 12.5 });
    expect(encoded[0]).toBe(0); // magic byte
    expect(encoded.readInt32BE(1)).toBe(id);
    // A fresh client knows nothing: it must fetch the schema by id from the gateway to decode.
    expect(await new SchemaRegistry({ host: base }).decode(encoded)).toEqual({ id: 'o-1', amount: 12.5 });
    // The client set the subject's mode on first registration, as it does against Confluent.
    expect((await call('GET', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('accepts a compatible version, refuses an incompatible one with 409, and looks versions up', async () => {
    const { id } = await client.register({ type: SchemaType.AVRO, schema: V2 }, { subject });
    ids.push(id);
    expect(id).toBeGreaterThan(ids[0]);
    expect(await client.getLatestSchemaId(subject)).toBe(id);
    expect(await client.getRegistryId(subject, 1)).toBe(ids[0]);
    expect(await client.getRegistryIdBySchema(subject, { type: SchemaType.AVRO, schema: V1 })).toBe(ids[0]);

    const message = await refusal('POST', `/subjects/${subject}/versions`, { schema: BREAKING }, 409, 409);
    expect(message).toContain('incompatible with an earlier schema');
    expect(message).toContain('TYPE_MISMATCH at /fields/0/type');

    expect((await call('GET', '/subjects')).body).toContain(subject);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1, 2]);
    expect((await call('GET', `/subjects/${subject}/versions/latest`)).body).toEqual({ subject, version: 2, id, schema: V2 });
    expect((await call('GET', `/subjects/${subject}/versions/1/schema`)).body).toEqual(JSON.parse(V1));
    expect((await call('GET', `/schemas/ids/${ids[0]}`)).body).toEqual({ schema: V1 });
    expect((await call('GET', `/schemas/ids/${id}/versions`)).body).toEqual([{ subject, version: 2 }]);
    expect((await call('POST', `/subjects/${subject}`, { schema: V1 })).body).toMatchObject({ subject, version: 1, id: ids[0] });
  });

  it('checks compatibility, with the reasons when asked for verbose output', async () => {
    expect((await call('POST', `/compatibility/subjects/${subject}/versions/latest`, { schema: V2 })).body).toEqual({ is_compatible: true });
    const verbose = (await call('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, { schema: BREAKING })).body;
    expect(verbose.is_compatible).toBe(false);
    expect(verbose.messages).toEqual([expect.stringMatching(/^BACKWARD against version 2: TYPE_MISMATCH at \/fields\/0\/type: /)]);
    expect((await call('POST', `/compatibility/subjects/${subject}/versions`, { schema: BREAKING })).body).toEqual({ is_compatible: false });
  });

  it('reads and changes the global and per-subject compatibility', async () => {
    expect((await call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await call('PUT', `/config/${subject}`, { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: BREAKING }, { subject, compatibility: 'NONE' as never });
    ids.push(id);
    expect((await call('DELETE', `/config/${subject}`)).body).toEqual({ compatibilityLevel: 'NONE' });
    await refusal('GET', `/config/${subject}`, undefined, 404, 40408);
    expect((await call('GET', `/config/${subject}?defaultToGlobal=true`)).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    const invalid = await refusal('PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, 42203);
    expect(invalid).toContain('BACKWARD_TRANSITIVE');
  });

  it('answers unknown subjects, versions, ids and bad schemas with Confluent error codes', async () => {
    await refusal('GET', '/subjects/no-such-subject/versions', undefined, 404, 40401);
    await refusal('GET', `/subjects/${subject}/versions/99`, undefined, 404, 40402);
    await refusal('GET', `/subjects/${subject}/versions/first`, undefined, 422, 42202);
    await refusal('GET', '/schemas/ids/999999', undefined, 404, 40403);
    await refusal('POST', `/subjects/${subject}`, { schema: order([{ name: 'x', type: 'int' }]) }, 404, 40403);
    const invalid = await refusal('POST', `/subjects/${subject}/versions`, { schema: '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}' }, 422, 42201);
    expect(invalid).toContain('undefined type name: nope');
    await refusal('POST', `/subjects/${subject}/versions`, { schema: '{}', schemaType: 'PROTOBUF' }, 422, 42201);
    await refusal('POST', `/subjects/${subject}/versions`, { nothing: true }, 422, 42201);
    expect((await call('GET', '/nowhere')).status).toBe(404);
  });

  it('deletes softly, then permanently, and never reuses an id', async () => {
    await refusal('DELETE', `/subjects/${subject}/versions/1?permanent=true`, undefined, 404, 40407);
    expect((await call('DELETE', `/subjects/${subject}/versions/1`)).body).toBe(1);
    await refusal('DELETE', `/subjects/${subject}/versions/1`, undefined, 404, 40406);
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([2, 3]);
    expect((await call('GET', `/subjects/${subject}/versions?deleted=true`)).body).toEqual([1, 2, 3]);
    expect((await call('DELETE', `/subjects/${subject}/versions/1?permanent=true`)).body).toBe(1);

    await refusal('DELETE', `/subjects/${subject}?permanent=true`, undefined, 404, 40405);
    expect((await call('DELETE', `/subjects/${subject}`)).body).toEqual([2, 3]);
    expect((await call('GET', '/subjects')).body).not.toContain(subject);
    await refusal('DELETE', `/subjects/${subject}`, undefined, 404, 40404);
    expect((await call('DELETE', `/subjects/${subject}?permanent=true`)).body).toEqual([2, 3]);
    await refusal('GET', `/subjects/${subject}/versions`, undefined, 404, 40401);

    const fresh = order([{ name: 'sku', type: 'string' }]);
    const { id } = await client.register({ type: SchemaType.AVRO, schema: fresh }, { subject });
    expect(id).toBeGreaterThan(Math.max(...ids));
    expect((await call('GET', `/subjects/${subject}/versions`)).body).toEqual([1]);
    ids.push(id);
  });

  it('keeps subjects, versions and ids across a restart', async () => {
    const dataDir = gateway.dataDir;
    await gateway.stop();
    gateway = await startGateway({ dataDir });
    base = `${gateway.baseUrl}/schema-registry`;
    client = new SchemaRegistry({ host: base });
    const latest = ids.at(-1)!;
    expect((await call('GET', `/subjects/${subject}/versions/latest`)).body).toMatchObject({ version: 1, id: latest });
    expect((await call('GET', `/schemas/ids/${ids[0]}`)).body).toEqual({ schema: V1 });
    const again = await call('POST', `/subjects/${subject}/versions`, { schema: order([{ name: 'sku', type: 'string' }]) });
    expect(again.body).toEqual({ id: latest });
  });

  it('registers JSON Schemas, and the client validates and round-trips with them', async () => {
    const jsonSubject = `${uniqueName('clicks')}-value`;
    const schema = JSON.stringify({ type: 'object', properties: { page: { type: 'string' }, ms: { type: 'integer' } }, required: ['page'], additionalProperties: false });
    const { id } = await client.register({ type: SchemaType.JSON, schema }, { subject: jsonSubject });
    expect((await call('GET', `/schemas/ids/${id}`)).body).toEqual({ schemaType: 'JSON', schema });
    const encoded = await client.encode(id, { page: '/home', ms: 12 });
    expect(await new SchemaRegistry({ host: base }).decode(encoded)).toEqual({ page: '/home', ms: 12 });
    const widened = JSON.stringify({ type: 'object', properties: { page: { type: 'string' }, ms: { type: 'number' } }, required: ['page'], additionalProperties: false });
    expect((await client.register({ type: SchemaType.JSON, schema: widened }, { subject: jsonSubject })).id).toBeGreaterThan(id);
    expect((await call('GET', '/schemas/types')).body).toEqual(['JSON', 'AVRO']);
  });
});
