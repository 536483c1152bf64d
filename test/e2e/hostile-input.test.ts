// Hostile input, each piece answered with a clear error while the gateway stays up and an honest
// client keeps being served: malformed and oversized bodies, invalid UTF-8, events nested 10,000
// deep, prototype-polluting keys, huge strings in variables, and operations built to be expensive
// (deep nesting, thousands of aliases, fragments that fan out or cycle).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, IngestDocument, StreamsDocument } from '../../src/client/generated/graphql';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

describe('hostile input', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('target');

  const post = async (body: string | Buffer, contentType = 'application/json'): Promise<Answer> => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as Answer['body'] };
  };
  const query = (document: string, variables: Record<string, unknown> = {}) => post(JSON.stringify({ query: document, variables }));

  /** After each attack: the gateway is up and an honest request is answered. */
  const stillServing = async () => {
    gateway.assertAlive();
    const { streams } = await gateway.client.request(StreamsDocument, {});
    expect(streams.map((s) => s.name)).toContain(stream);
  };

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses malformed JSON and invalid UTF-8 with 400', async () => {
    const malformed = await post('{"query": "{ streams { name } }"');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors?.[0].message).toBe('request body is not valid JSON');
    const badUtf8 = await post(Buffer.concat([Buffer.from('{"query": "{ streams { name } }", "x": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]));
    expect(badUtf8.status).toBe(400);
    expect(badUtf8.body.errors?.[0]).toMatchObject({ message: 'request body is not valid UTF-8', extensions: { code: 'BAD_REQUEST' } });
    await stillServing();
  });

  it('refuses a 50 MB body with 413, without reading all of it', async () => {
    const huge = await post(Buffer.alloc(50 * 1024 * 1024, 0x20));
    expect(huge.status).toBe(413);
    expect(huge.body.errors?.[0].extensions?.code).toBe('REQUEST_TOO_LARGE');
    await stillServing();
  });

  it('refuses an event nested 10,000 levels deep as an invalid event, and keeps the rest of the batch', async () => {
    // Built as text: the test's own JSON.stringify would overflow its stack on such a value.
    const deep = `${'{"d":'.repeat(10_000)}"bottom"${'}'.repeat(10_000)}`;
    const document = 'mutation ($stream: String!, $events: [JSON!]!) { ingest(stream: $stream, events: $events) { accepted errors { index code path message } } }';
    const { status, body } = await post(`{"query": ${JSON.stringify(document)}, "variables": {"stream": "${stream}", "events": [{"ts": ${NOW}, "deep": ${deep}}, {"ts": ${NOW}, "ok": true}]}}`);
    expect(status).toBe(200);
    const result = (body.data as { ingest: { accepted: number; errors: { index: number; code: string; message: string }[] } }).ingest;
    expect(result.accepted).toBe(1);
    expect(result.errors).toEqual([expect.objectContaining({ index: 0, code: 'INVALID_EVENT' })]);
    expect(result.errors[0].message).toMatch(/nested deeper than \d+ levels/);
    await stillServing();
  });

  it('keeps __proto__ and constructor keys as plain data, polluting nothing', async () => {
    const event = JSON.parse(`{"ts": ${NOW}, "__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}`) as Record<string, unknown>;
    const { ingest } = await gateway.client.request(IngestDocument, { stream, events: [event] });
    expect(ingest.accepted).toBe(1);
    const after = await query('{ streams { name eventCount } }');
    expect(JSON.stringify(after.body)).not.toContain('polluted');
    await stillServing();
  });

  it('cuts huge strings in variables short in error messages', async () => {
    const name = 'x'.repeat(5_000_000);
    const { status, body } = await query('mutation ($stream: String!) { ingest(stream: $stream, events: [{}]) { accepted } }', { stream: name });
    expect(status).toBe(200);
    const [error] = body.errors ?? [];
    expect(error.extensions?.code).toBe('UNKNOWN_STREAM');
    expect(error.message.length).toBeLessThan(2_000);
    expect(error.message).toContain('…');
    await stillServing();
  });

  it('refuses operations built to be expensive before running them', async () => {
    // The schema has no cycles, but introspection nests as deep as one asks.
    const deep = await query(`{ __schema { types { fields { type { ${'ofType { '.repeat(40)}name${' }'.repeat(40)} } } } } }`);
    expect(deep.status).toBe(400);
    expect(deep.body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(deep.body.errors?.[0].message).toContain('deeper than the limit of 20');

    const aliases = Array.from({ length: 1_000 }, (_, i) => `a${i}: streams { name }`).join(' ');
    const aliased = await query(`{ ${aliases} }`);
    expect(aliased.body.errors?.[0].message).toContain('more than 50 aliases');

    // Each fragment spreads the one below twice: 2^20 field selections from a few hundred bytes.
    const fragments = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Stream { name ...F${i + 1} ...F${i + 1} }`).join(' ');
    const fanOut = await query(`{ streams { ...F0 } } ${fragments} fragment F20 on Stream { name }`);
    expect(fanOut.body.errors?.map((e) => e.message).join(' ')).toContain('fields once fragments are expanded');

    const cyclic = await query('{ streams { ...A } } fragment A on Stream { name ...B } fragment B on Stream { name ...A }');
    expect(cyclic.status).toBe(400);
    expect(cyclic.body.errors?.[0].message).toMatch(/Cannot spread fragment "A" within itself/);
    await stillServing();
  });
});

describe('a gateway with introspection and the landing page turned off', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_INTROSPECTION: 'false', TRIBUTARY_LANDING_PAGE: 'false' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses introspection over HTTP and WebSocket alike, and serves no landing page', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { types { name } } }' }) });
    const body = (await response.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0].message).toMatch(/introspection/i);
    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/<html/i);
    // Ordinary operations are untouched.
    expect((await gateway.client.request(StreamsDocument, {})).streams).toEqual([]);
  });
});
