// Bad input as a user meets it: every refused event or definition comes back with a clear, typed
// error naming what is wrong and where; refused events wait in quarantine with their reasons; the
// good events of a mixed batch are accepted and counted, and nothing accepted is lost.

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GraphQLRequestError, type GraphQLErrorPayload } from '../../src/client/graphql-client';
import {
  CreateStreamDocument,
  type CreateStreamInput,
  CreateViewDocument,
  IngestDocument,
  QuarantineDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewUpdatesDocument,
  ViewsDocument,
  type CreateViewInput,
  type IngestMutation,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';

const MAX_EVENT_BYTES = 2_048;
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);

/** Runs a request that must fail and returns its GraphQL errors. */
async function errorsOf(request: Promise<unknown>): Promise<GraphQLErrorPayload[]> {
  const outcome = await request.then(
    (data) => ({ data }),
    (error: unknown) => ({ error }),
  );
  if ('data' in outcome) throw new Error(`expected the request to fail, but it returned ${JSON.stringify(outcome.data)}`);
  expect(outcome.error).toBeInstanceOf(GraphQLRequestError);
  const { errors } = outcome.error as GraphQLRequestError;
  expect(errors.length).toBeGreaterThan(0);
  return errors;
}

/** An event whose compact JSON text is exactly `bytes` UTF-8 bytes, padded with `char`. */
function eventOfBytes(bytes: number, ts: number, char = 'x'): Record<string, unknown> {
  const bare = Buffer.byteLength(JSON.stringify({ ts, amount: 1, pad: '' }));
  const charBytes = Buffer.byteLength(char);
  const room = bytes - bare;
  const event = { ts, amount: 1, pad: 'x'.repeat(room % charBytes) + char.repeat(Math.floor(room / charBytes)) };
  expect(Buffer.byteLength(JSON.stringify(event))).toBe(bytes);
  return event;
}

interface BadEvent {
  event: unknown;
  code: string;
  /** Expected path below events[i], e.g. ".ts"; '' for the event itself. */
  at: string;
  /** Words the message must contain, so the user learns what is wrong. */
  says: RegExp;
}

describe('bad input', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('payments');
  const view = uniqueName('payments_10s');
  const spec: ViewSpec = {
    windowMs: 10_000,
    groupBy: ['method'],
    measures: [
      { name: 'n', fn: 'COUNT' },
      { name: 'total', fn: 'SUM', field: 'amount' },
      { name: 'p50', fn: 'P50', field: 'amount' },
    ],
  };
  /** Every event accepted so far, in the order sent: the ground truth. */
  const accepted: SentEvent[] = [];
  /** Every event refused so far, with the error it must have. */
  const refused: (BadEvent & { index: number })[] = [];

  async function ingest(events: unknown[]): Promise<IngestMutation['ingest']> {
    return (await gateway.client.request(IngestDocument, { stream, events })).ingest;
  }

  async function streamInfo() {
    const found = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream);
    expect(found, `stream ${stream} is listed`).toBeDefined();
    return found!;
  }

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_MAX_EVENT_BYTES: String(MAX_EVENT_BYTES) }, producer: 'bad_input_tester' });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '1s' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '10s', groupBy: spec.groupBy, measures: spec.measures.map((m) => ({ ...m, field: m.field ?? null })) },
    });
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it('rejects each bad event of a mixed batch on its own, with a clear error, and accepts the rest', async () => {
    const bad: BadEvent[] = [
      { event: 42, code: 'INVALID_EVENT', at: '', says: /object/i },
      { event: 'checkout happened', code: 'INVALID_EVENT', at: '', says: /object/i },
      { event: [{ ts: T0, amount: 1 }], code: 'INVALID_EVENT', at: '', says: /object/i },
      { event: true, code: 'INVALID_EVENT', at: '', says: /object/i },
      { event: { amount: 5, method: 'card' }, code: 'MISSING_TIMESTAMP', at: '.ts', says: /ts/ },
      { event: { ts: 'yesterday', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /yesterday/ },
      { event: { ts: '2026-02-30T00:00:00Z', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /2026-02-30/ },
      { event: { ts: 'NaN', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /NaN/ },
      { event: { ts: 'Infinity', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /Infinity/ },
      { event: { ts: '', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /ts/ },
      { event: { ts: '2026-03-01T09:00:00', amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /zone/i },
      { event: { ts: { seconds: 1 }, amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /ts/ },
      { event: { ts: true, amount: 5, method: 'card' }, code: 'INVALID_TIMESTAMP', at: '.ts', says: /ts/ },
      { event: { ts: T0, amount: 5, method: 'card', note: 'x'.repeat(5_000) }, code: 'EVENT_TOO_LARGE', at: '', says: new RegExp(`${MAX_EVENT_BYTES}`) },
    ];
    const good = (i: number): SentEvent => {
      const time = T0 + i * 1_500;
      return { time, payload: { ts: i % 2 ? time : new Date(time).toISOString(), amount: 10 + i, method: i % 3 ? 'card' : 'paypal' } };
    };
    // Good and bad interleaved: good, bad, good, bad, ...
    const batch: unknown[] = [];
    const goods: SentEvent[] = [];
    bad.forEach((b, i) => {
      const g = good(i);
      goods.push(g);
      batch.push(g.payload);
      refused.push({ ...b, index: batch.length });
      batch.push(b.event);
    });

    const result = await ingest(batch);
    accepted.push(...goods);
    expect(result.accepted).toBe(goods.length);
    expect(result.rejected).toBe(bad.length);
    expect(result.eventIds).toHaveLength(goods.length);
    expect(new Set(result.eventIds).size).toBe(goods.length);
    expect(result.errors.map((e) => e.index)).toEqual(refused.map((r) => r.index));
    result.errors.forEach((error, i) => {
      const want = refused[i];
      expect(error.code, `code of events[${want.index}] = ${JSON.stringify(want.event).slice(0, 60)}`).toBe(want.code);
      expect(error.path, `path of events[${want.index}]`).toBe(`events[${want.index}]${want.at}`);
      expect(error.message, `message of events[${want.index}]`).toMatch(want.says);
    });
  });

  it('accepts an event of exactly the size limit (counted in UTF-8 bytes) and refuses one byte more', async () => {
    const time = T0 + 40_000;
    const atLimit = eventOfBytes(MAX_EVENT_BYTES, time);
    const atLimitMultibyte = eventOfBytes(MAX_EVENT_BYTES, time, 'é'); // 2 bytes each
    const overLimit = eventOfBytes(MAX_EVENT_BYTES + 1, time);
    const overMultibyte = eventOfBytes(MAX_EVENT_BYTES + 2, time, 'é'); // fewer characters than bytes
    expect(JSON.stringify(overMultibyte).length).toBeLessThanOrEqual(MAX_EVENT_BYTES);
    const result = await ingest([atLimit, overLimit, atLimitMultibyte, overMultibyte]);
    expect(result.accepted).toBe(2);
    expect(result.errors.map((e) => [e.index, e.code, e.path])).toEqual([
      [1, 'EVENT_TOO_LARGE', 'events[1]'],
      [3, 'EVENT_TOO_LARGE', 'events[3]'],
    ]);
    accepted.push({ time, payload: atLimit }, { time, payload: atLimitMultibyte });
    refused.push(
      { event: overLimit, code: 'EVENT_TOO_LARGE', at: '', says: new RegExp(`${MAX_EVENT_BYTES}`), index: 1 },
      { event: overMultibyte, code: 'EVENT_TOO_LARGE', at: '', says: new RegExp(`${MAX_EVENT_BYTES}`), index: 3 },
    );
  });

  it('keeps every refused event in quarantine with its code, message, path and the event as sent', async () => {
    const info = await streamInfo();
    expect(info.quarantinedCount).toBe(refused.length);
    expect(info.eventCount).toBe(accepted.length);
    const { quarantine } = await gateway.client.request(QuarantineDocument, { stream, limit: 1_000 });
    expect(quarantine).toHaveLength(refused.length);
    const oldestFirst = [...quarantine].reverse(); // the query lists newest first
    oldestFirst.forEach((entry, i) => {
      const want = refused[i];
      const label = `quarantine entry ${i} (${want.code})`;
      expect(entry.code, label).toBe(want.code);
      expect(entry.index, label).toBe(want.index);
      expect(entry.path, label).toBe(`events[${want.index}]${want.at}`);
      expect(entry.message, label).toMatch(want.says);
      expect(entry.producer, label).toBe('bad_input_tester');
      expect(Number.isNaN(Date.parse(entry.receivedAt)), label).toBe(false);
      if (want.code === 'EVENT_TOO_LARGE') {
        // Too large to keep whole: the start of its JSON text, marked as truncated.
        expect(entry.truncated, label).toBe(true);
        expect(typeof entry.event, label).toBe('string');
        expect((entry.event as string).length, label).toBeGreaterThan(0);
        expect(JSON.stringify(want.event).startsWith(entry.event as string), label).toBe(true);
      } else {
        expect(entry.truncated, label).toBe(false);
        expect(entry.event, label).toEqual(want.event);
      }
    });
    // limit counts from the newest.
    const newest = (await gateway.client.request(QuarantineDocument, { stream, limit: 2 })).quarantine;
    expect(newest.map((e) => e.offset)).toEqual(quarantine.slice(0, 2).map((e) => e.offset));
  });

  it('refuses a whole request whose event list holds a null, naming the position, and keeps nothing of it', async () => {
    const before = await streamInfo();
    const good = { ts: T0 + 3_000, amount: 1_000, method: 'card' };
    const errors = await errorsOf(gateway.client.request(IngestDocument, { stream, events: [good, null, good] }));
    expect(errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toMatch(/\[1\]/); // which element
    expect(errors[0].message).toMatch(/null/);
    // A literal null written in the query text is refused the same way, before anything runs.
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `mutation { ingest(stream: "${stream}", events: [{ts: ${T0}}, null]) { accepted } }` }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: GraphQLErrorPayload[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.[0]?.message).toMatch(/null/);
    expect(body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const after = await streamInfo();
    expect(after.eventCount).toBe(before.eventCount);
    expect(after.quarantinedCount).toBe(before.quarantinedCount);
  });

  it('never shows the server\'s stack traces or file paths in an error', async () => {
    const responses = await Promise.all(
      [
        { query: 'mutation { ingest(stream: "x", events: [null]) { accepted } }' }, // validation
        { query: print(IngestDocument), variables: { stream, events: [null] } }, // variable coercion
        { query: print(ViewAggregatesDocument), variables: { view: 'no_such_view' } }, // a typed gateway error
        { query: '{ viewAggregates(view: ' }, // syntax
      ].map(async (body) => {
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { request: body.query, text: await response.text() };
      }),
    );
    for (const { request, text } of responses) {
      const { errors } = JSON.parse(text) as { errors?: GraphQLErrorPayload[] };
      expect(errors?.length, request).toBeGreaterThan(0);
      for (const error of errors!) expect(error.extensions?.stacktrace, `stacktrace in the answer to ${request}`).toBeUndefined();
      expect(text, `server paths in the answer to ${request}`).not.toMatch(/node_modules|\/dist\/src\/|\bat [\w.<>]+ \(/);
    }
  });

  it('refuses a batch over the event limit, or from a badly named producer, as a whole', async () => {
    const before = await streamInfo();
    const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ ts: T0 + i }));
    const errors = await errorsOf(ingest(tooMany));
    expect(errors[0].extensions).toMatchObject({ code: 'BATCH_TOO_LARGE', field: 'events' });
    expect(errors[0].message).toMatch(/10000|10,000/);
    const badProducer = gateway.clientFor('bad producer!');
    const refused = await errorsOf(badProducer.request(IngestDocument, { stream, events: [{ ts: T0 }] }));
    expect(refused[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(refused[0].message).toMatch(/producer/);
    const after = await streamInfo();
    expect([after.eventCount, after.quarantinedCount]).toEqual([before.eventCount, before.quarantinedCount]);
  });

  it('refuses events for an unknown stream with UNKNOWN_STREAM', async () => {
    const missing = uniqueName('no_such_stream');
    const errors = await errorsOf(gateway.client.request(IngestDocument, { stream: missing, events: [{ ts: T0 }] }));
    expect(errors[0].extensions).toMatchObject({ code: 'UNKNOWN_STREAM', field: 'stream' });
    expect(errors[0].message).toContain(missing);
    expect(errors[0].path).toEqual(['ingest']);
  });

  it('refuses an unknown view in viewAggregates with UNKNOWN_VIEW', async () => {
    const missing = uniqueName('no_such_view');
    const errors = await errorsOf(gateway.client.request(ViewAggregatesDocument, { view: missing }));
    expect(errors[0].extensions).toMatchObject({ code: 'UNKNOWN_VIEW', field: 'view' });
    expect(errors[0].message).toContain(missing);
  });

  it('refuses a subscription to an unknown view with UNKNOWN_VIEW', async () => {
    const missing = uniqueName('no_such_view');
    const ws: Client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const outcome = await new Promise<{ errors: readonly GraphQLErrorPayload[]; completed: boolean }>((resolve, reject) => {
        const errors: GraphQLErrorPayload[] = [];
        const timer = setTimeout(() => reject(new Error('no answer to a subscription for an unknown view within 15 s')), 15_000);
        ws.subscribe(
          { query: print(ViewUpdatesDocument), variables: { view: missing } },
          {
            next: (result) => {
              if (result.data) reject(new Error(`unexpected data ${JSON.stringify(result.data)}`));
              errors.push(...((result.errors ?? []) as GraphQLErrorPayload[]));
            },
            error: (error) => {
              clearTimeout(timer);
              if (Array.isArray(error)) resolve({ errors: [...errors, ...(error as GraphQLErrorPayload[])], completed: false });
              else reject(error instanceof Error ? error : new Error(`subscription failed: ${JSON.stringify(error)}`));
            },
            complete: () => {
              clearTimeout(timer);
              resolve({ errors, completed: true });
            },
          },
        );
      });
      expect(outcome.errors.length).toBeGreaterThan(0);
      expect(outcome.errors[0].extensions).toMatchObject({ code: 'UNKNOWN_VIEW', field: 'view' });
      expect(outcome.errors[0].message).toContain(missing);
    } finally {
      await ws.dispose();
    }
  });

  it('refuses invalid createView inputs, naming the field of each', async () => {
    const valid: CreateViewInput = { name: uniqueName('v'), stream, window: '10s', groupBy: ['method'], measures: [{ name: 'n', fn: 'COUNT' }] };
    const cases: { what: string; input: Partial<CreateViewInput>; code?: string; field: RegExp }[] = [
      { what: 'name with capitals and a dash', input: { name: 'Bad-Name' }, field: /^(input\.)?name$/ },
      { what: 'empty name', input: { name: '' }, field: /^(input\.)?name$/ },
      { what: 'name over 63 characters', input: { name: `v${'x'.repeat(63)}` }, field: /^(input\.)?name$/ },
      { what: 'window that is not a duration', input: { window: 'ten seconds' }, field: /^(input\.)?window$/ },
      { what: 'zero window', input: { window: '0s' }, field: /^(input\.)?window$/ },
      { what: 'negative window', input: { window: '-10s' }, field: /^(input\.)?window$/ },
      { what: 'hop that is not a duration', input: { hop: 'often' }, field: /^(input\.)?hop$/ },
      { what: 'hop longer than the window', input: { hop: '20s' }, field: /^(input\.)?hop$/ },
      { what: 'zero hop', input: { hop: '0s' }, field: /^(input\.)?hop$/ },
      { what: 'groupBy with a bad field path', input: { groupBy: ['pay method'] }, field: /^(input\.)?groupBy(\[0\])?$/ },
      { what: 'groupBy naming a field twice', input: { groupBy: ['method', 'method'] }, field: /^(input\.)?groupBy(\[1\])?$/ },
      { what: 'groupBy on the timestamp field', input: { groupBy: ['ts'] }, field: /^(input\.)?groupBy(\[0\])?$/ },
      { what: 'no measures', input: { measures: [] }, field: /^(input\.)?measures$/ },
      { what: 'SUM without a field', input: { measures: [{ name: 'total', fn: 'SUM' }] }, field: /^(input\.)?measures\[0\]\.field$/ },
      { what: 'P99 with an empty field', input: { measures: [{ name: 'n', fn: 'COUNT' }, { name: 'slow', fn: 'P99', field: '' }] }, field: /^(input\.)?measures\[1\]\.field$/ },
      { what: 'measure with a bad field path', input: { measures: [{ name: 'total', fn: 'SUM', field: 'amount..x' }] }, field: /^(input\.)?measures\[0\]\.field$/ },
      { what: 'measure with a bad name', input: { measures: [{ name: 'Total Sum', fn: 'SUM', field: 'amount' }] }, field: /^(input\.)?measures\[0\]\.name$/ },
      {
        what: 'two measures with one name',
        input: { measures: [{ name: 'n', fn: 'COUNT' }, { name: 'n', fn: 'SUM', field: 'amount' }] },
        field: /^(input\.)?measures\[1\]\.name$/,
      },
      { what: 'unknown stream', input: { stream: uniqueName('nowhere') }, code: 'UNKNOWN_STREAM', field: /^(input\.)?stream$/ },
    ];
    for (const c of cases) {
      const input = { ...valid, ...c.input, name: c.input.name ?? uniqueName('v') };
      const errors = await errorsOf(gateway.client.request(CreateViewDocument, { input }));
      expect(errors[0].extensions?.code, c.what).toBe(c.code ?? 'BAD_USER_INPUT');
      expect(errors[0].extensions?.field, c.what).toMatch(c.field);
      expect(errors[0].message.length, c.what).toBeGreaterThan(10);
    }
    // An unknown function is refused by the schema itself, which says where.
    const errors = await errorsOf(
      gateway.client.request(CreateViewDocument, { input: { ...valid, name: uniqueName('v'), measures: [{ name: 'm', fn: 'MEDIAN' as 'P50', field: 'amount' }] } }),
    );
    expect(errors[0].message).toMatch(/MEDIAN/);
    expect(errors[0].message).toMatch(/measures\[0\]\.fn/);
    // None of the refused views was created; the valid one can be, once, and not twice.
    expect((await gateway.client.request(ViewsDocument, { stream })).views.map((v) => v.name)).toEqual([view]);
    await gateway.client.request(CreateViewDocument, { input: valid });
    const duplicate = await errorsOf(gateway.client.request(CreateViewDocument, { input: valid }));
    expect(duplicate[0].extensions).toMatchObject({ code: 'ALREADY_EXISTS', field: 'name' });
    expect(duplicate[0].message).toContain(valid.name);
  });

  it('refuses a duplicate or invalid stream, naming the field', async () => {
    const duplicate = await errorsOf(gateway.client.request(CreateStreamDocument, { input: { name: stream } }));
    expect(duplicate[0].extensions).toMatchObject({ code: 'ALREADY_EXISTS', field: 'name' });
    expect(duplicate[0].message).toContain(stream);
    const invalid: { input: CreateStreamInput; field: RegExp }[] = [
      { input: { name: 'Payments' }, field: /^(input\.)?name$/ },
      { input: { name: '9lives' }, field: /^(input\.)?name$/ },
      { input: { name: uniqueName('s'), watermarkDelay: 'soon' }, field: /^(input\.)?watermarkDelay$/ },
      { input: { name: uniqueName('s'), timestampField: 'event time' }, field: /^(input\.)?timestampField$/ },
      { input: { name: uniqueName('s'), partitionKey: 'customer id' }, field: /^(input\.)?partitionKey$/ },
      { input: { name: uniqueName('s'), partitions: 0 }, field: /^(input\.)?partitions$/ },
      { input: { name: uniqueName('s'), replicationFactor: 0 }, field: /^(input\.)?replicationFactor$/ },
    ];
    for (const { input, field } of invalid) {
      const errors = await errorsOf(gateway.client.request(CreateStreamDocument, { input }));
      expect(errors[0].extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(errors[0].extensions?.field, JSON.stringify(input)).toMatch(field);
    }
    // The original stream is unchanged by the refused duplicate.
    expect((await streamInfo()).watermarkDelay).toBe('1s');
  });

  it('counts every accepted event of the mixed batches in the aggregates, and none of the refused', async () => {
    const closing: SentEvent = { time: T0 + 60_000, payload: { ts: T0 + 60_000, amount: 0.5, method: 'card' } };
    expect((await ingest([closing.payload])).accepted).toBe(1);
    accepted.push(closing);
    const total = (await streamInfo()).eventCount;
    expect(total).toBe(accepted.length);
    await waitFor(
      async () => {
        gateway.assertAlive();
        const found = (await gateway.client.request(ViewsDocument, { stream })).views.find((v) => v.name === view);
        return found?.progress?.processedEvents === total;
      },
      { timeoutMs: 30_000, what: `view ${view} to process ${total} events` },
    );
    const rows = (await gateway.client.request(ViewAggregatesDocument, { view })).viewAggregates;
    expectRowsEqual(rows, expectedRows(accepted, spec), spec, 'mixed batches');
    expect(rows.reduce((sum, row) => sum + row.eventCount, 0)).toBe(accepted.length);
  });
});
