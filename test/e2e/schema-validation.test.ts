// Ingest validates each event against the stream's schema (subject "<stream>-value"), registered
// through the registry's REST API: violations are refused one by one, with the event path, the rule
// and the schema version, and kept in quarantine; valid events in the same batch are accepted.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { CreateStreamDocument, IngestDocument, QuarantineDocument } from '../../src/client/generated/graphql';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('ingest validated against the stream schema', () => {
  let gateway: GatewayProcess;
  const register = async (subject: string, schema: unknown, schemaType?: string) => {
    const response = await fetch(`${gateway.baseUrl}/schema-registry/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema), ...(schemaType ? { schemaType } : {}) }),
    });
    const body = (await response.json()) as { id: number };
    expect(response.status, JSON.stringify(body)).toBe(200);
    return body.id;
  };

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses Avro violations per event, naming the field, the rule and the version, and quarantines them', async () => {
    const stream = uniqueName('orders');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    const v1 = {
      type: 'record',
      name: 'Order',
      fields: [
        { name: 'ts', type: 'long' },
        { name: 'id', type: 'string' },
        { name: 'amount', type: 'double' },
        { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['GOLD', 'SILVER'] } },
        { name: 'coupon', type: ['null', 'string'], default: null },
      ],
    };
    const id = await register(`${stream}-value`, v1);
    const good = { ts: NOW, id: 'o-1', amount: 9.5, tier: 'GOLD' };
    const events = [good, { ...good, amount: 'lots' }, { ts: NOW, amount: 1, tier: 'GOLD' }, { ...good, tier: 'PLATINUM' }, { ...good, coupon: 'WINTER' }];
    const { ingest } = await gateway.client.request(IngestDocument, { stream, events });
    expect(ingest.accepted).toBe(2);
    expect(ingest.errors.map((e) => [e.index, e.code, e.path])).toEqual([
      [1, 'SCHEMA_VIOLATION', 'events[1].amount'],
      [2, 'SCHEMA_VIOLATION', 'events[2].id'],
      [3, 'SCHEMA_VIOLATION', 'events[3].tier'],
    ]);
    expect(ingest.errors[0].message).toBe(`events[1].amount must be an Avro double; got "lots", under ${stream}-value version 1 (schema id ${id})`);
    expect(ingest.errors[1].message).toContain('events[2].id must be an Avro string; got nothing');
    expect(ingest.errors[2].message).toContain('must be one of GOLD, SILVER; got "PLATINUM"');

    const { quarantine } = await gateway.client.request(QuarantineDocument, { stream, limit: 10 });
    expect(quarantine.map((q) => [q.index, q.code, q.path]).reverse()).toEqual(ingest.errors.map((e) => [e.index, e.code, e.path]));
    expect(quarantine.at(-1)!.event).toEqual(events[1]);
  });

  it('validates against the version the producer names, and refuses a version that does not exist', async () => {
    const stream = uniqueName('clicks');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    const base = { type: 'object', properties: { ts: { type: 'integer' }, page: { type: 'string' } }, required: ['ts', 'page'] };
    await register(`${stream}-value`, base, 'JSON');
    await register(`${stream}-value`, { ...base, required: ['ts'] }, 'JSON');

    const withoutPage = { ts: NOW };
    // Version 2 made page optional; version 1 still requires it.
    expect((await gateway.client.request(IngestDocument, { stream, events: [withoutPage] })).ingest.accepted).toBe(1);
    const old = (await gateway.client.request(IngestDocument, { stream, events: [withoutPage, { ts: NOW, page: 7 }], schemaVersion: 1 })).ingest;
    expect(old.errors.map((e) => [e.path, e.message.split(',')[0]])).toEqual([
      ['events[0].page', 'events[0].page is required'],
      ['events[1].page', 'events[1].page must be string'],
    ]);
    expect(old.errors[0].message).toContain(`${stream}-value version 1`);

    const refused = await gateway.client.request(IngestDocument, { stream, events: [withoutPage], schemaVersion: 9 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(GraphQLRequestError);
    expect((refused as GraphQLRequestError).errors[0].extensions).toMatchObject({ code: 'NOT_FOUND', field: 'schemaVersion' });
  });

  it('takes any object on a stream whose subject has no schema, as before', async () => {
    const stream = uniqueName('free');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    const { ingest } = await gateway.client.request(IngestDocument, { stream, events: [{ ts: NOW, anything: [1, { deep: true }] }] });
    expect(ingest).toMatchObject({ accepted: 1, rejected: 0 });
  });
});

describe('a gateway that requires schemas', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_REQUIRE_SCHEMAS: 'true' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses ingest into a stream without a schema, saying which subject to register', async () => {
    const stream = uniqueName('ungoverned');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    const refused = await gateway.client.request(IngestDocument, { stream, events: [{ ts: NOW }] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(GraphQLRequestError);
    const [error] = (refused as GraphQLRequestError).errors;
    expect(error.extensions).toMatchObject({ code: 'SCHEMA_REQUIRED', field: 'stream' });
    expect(error.message).toContain(`${stream}-value`);
  });
});
