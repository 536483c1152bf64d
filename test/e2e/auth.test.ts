// A gateway that requires API keys (TRIBUTARY_AUTH=required), through real HTTP and WebSocket
// clients: the admin key printed once at first start, keys per role, ACLs where DENY wins, the REST
// registry's Confluent error codes, graphql-ws connection_init, revocation, and the audit trail.

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GraphQLClient, GraphQLRequestError } from '../../src/client/graphql-client';
import {
  AuditLogDocument,
  CreateApiKeyDocument,
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  LateEventsDocument,
  PutAclDocument,
  RevokeApiKeyDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewUpdatesDocument,
  WhoamiDocument,
  type Role,
} from '../../src/client/generated/graphql';
import { startExpectingFailure, startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { watchViewUpdates } from '../helpers/live-connection';
import { uniqueName } from '../helpers/temp-dir';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

async function codeOf(request: Promise<unknown>): Promise<string | undefined> {
  const error = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error === undefined) return 'ALLOWED';
  if (error instanceof GraphQLRequestError) return error.errors[0]?.extensions?.code as string | undefined;
  return `HTTP ${String((error as { status?: number }).status ?? error)}`;
}

describe('a gateway that requires API keys', () => {
  let gateway: GatewayProcess;
  let admin: GraphQLClient;
  const keys: Partial<Record<Role, { id: string; token: string }>> = {};
  const stream = uniqueName('orders');
  const view = uniqueName('orders_per_minute');
  const as = (token: string) => new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required' } });
    const token = /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(gateway.log())?.[1];
    expect(token, gateway.log()).toBeDefined();
    admin = as(token!);
    for (const role of ['producer', 'consumer', 'steward', 'auditor'] as const) {
      const made = (await admin.request(CreateApiKeyDocument, { name: `${role}-app`, roles: [role] })).createApiKey;
      keys[role] = { id: made.key.id, token: made.token };
    }
    await admin.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    await admin.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses requests without a valid key with 401, naming how to send one', async () => {
    const bare = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ streams { name } }' }) });
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toContain('Bearer');
    expect(((await bare.json()) as { errors: { message: string }[] }).errors[0].message).toContain('Authorization: Bearer');
    expect(await codeOf(as('trb_nope').request(StreamsDocument, {}))).toMatch(/HTTP 401|UNAUTHENTICATED/);
    // The admin key is printed on the first start only.
    expect(gateway.log().match(/Admin API key/g)).toHaveLength(1);
  });

  it('lets each role do what it is for, and nothing else', async () => {
    const ingest = (token: string) => as(token).request(IngestDocument, { stream, events: [{ ts: NOW }] });
    const query = (token: string) => as(token).request(ViewAggregatesDocument, { view });
    const create = (token: string) => as(token).request(CreateStreamDocument, { input: { name: uniqueName('s') } });
    const audit = (token: string) => as(token).request(AuditLogDocument, { limit: 1 });
    const matrix = {
      producer: [await codeOf(ingest(keys.producer!.token)), await codeOf(query(keys.producer!.token)), await codeOf(create(keys.producer!.token)), await codeOf(audit(keys.producer!.token))],
      consumer: [await codeOf(ingest(keys.consumer!.token)), await codeOf(query(keys.consumer!.token)), await codeOf(create(keys.consumer!.token)), await codeOf(audit(keys.consumer!.token))],
      steward: [await codeOf(ingest(keys.steward!.token)), await codeOf(query(keys.steward!.token)), await codeOf(create(keys.steward!.token)), await codeOf(audit(keys.steward!.token))],
      auditor: [await codeOf(ingest(keys.auditor!.token)), await codeOf(query(keys.auditor!.token)), await codeOf(create(keys.auditor!.token)), await codeOf(audit(keys.auditor!.token))],
    };
    expect(matrix).toEqual({
      producer: ['ALLOWED', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN'],
      consumer: ['FORBIDDEN', 'ALLOWED', 'FORBIDDEN', 'FORBIDDEN'],
      steward: ['FORBIDDEN', 'ALLOWED', 'FORBIDDEN', 'FORBIDDEN'],
      auditor: ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'ALLOWED'],
    });
    const refused = await as(keys.consumer!.token).request(IngestDocument, { stream, events: [{ ts: NOW }] }).catch((error: GraphQLRequestError) => error);
    expect((refused as GraphQLRequestError).errors[0].message).toBe(`consumer-app may not produce on stream "${stream}": no role (consumer) or ACL grants it`);
    expect((await as(keys.producer!.token).request(WhoamiDocument, {})).whoami).toMatchObject({ name: 'producer-app', roles: ['producer'] });
  });

  it("shows a view's late events only to those who may read its stream's events", async () => {
    // A steward may query the view, but late events are whole events of the stream.
    expect(await codeOf(as(keys.steward!.token).request(LateEventsDocument, { view }))).toBe('FORBIDDEN');
    expect(await codeOf(as(keys.consumer!.token).request(LateEventsDocument, { view }))).toBe('ALLOWED');
  });

  it('applies ACLs: a DENY wins over the role, an ALLOW grants what the role lacks', async () => {
    await admin.request(PutAclDocument, { input: { principal: `key:${keys.producer!.id}`, resourceType: 'STREAM', patternType: 'PREFIXED', resource: stream.slice(0, 6), operation: 'produce', permission: 'DENY' }, reason: 'frozen' });
    expect(await codeOf(as(keys.producer!.token).request(IngestDocument, { stream, events: [{ ts: NOW }] }))).toBe('FORBIDDEN');
    await admin.request(PutAclDocument, { input: { principal: 'role:auditor', resourceType: 'VIEW', resource: view, operation: 'query', permission: 'ALLOW' } });
    expect(await codeOf(as(keys.auditor!.token).request(ViewAggregatesDocument, { view }))).toBe('ALLOWED');
  });

  it('speaks Confluent error codes on the REST registry', async () => {
    const register = (token: string | undefined) =>
      fetch(`${gateway.baseUrl}/schema-registry/subjects/${stream}-value/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ schema: '"string"' }),
      });
    const anonymous = await register(undefined);
    expect([anonymous.status, ((await anonymous.json()) as { error_code: number }).error_code]).toEqual([401, 40101]);
    const producer = await register(keys.producer!.token);
    expect([producer.status, ((await producer.json()) as { error_code: number }).error_code]).toEqual([403, 40301]);
    expect((await register(keys.steward!.token)).status).toBe(200);
  });

  it('authenticates WebSocket subscriptions in connection_init', async () => {
    expect((await watchViewUpdates(gateway.wsUrl, view).closed).code).toBe(4403);

    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${keys.consumer!.token}` } });
    const first = await new Promise<unknown>((resolve) => {
      client.subscribe({ query: print(ViewUpdatesDocument), variables: { view } }, { next: resolve, error: resolve, complete: () => undefined });
      setTimeout(() => resolve('subscribed, no error'), 1_000);
    });
    expect(first).toBe('subscribed, no error');
    await client.dispose();
  });

  it('closes the live subscriptions of a key when it is revoked, saying why', async () => {
    const made = (await admin.request(CreateApiKeyDocument, { name: 'wall-screen', roles: ['consumer'] })).createApiKey;
    const { connected, closed } = watchViewUpdates(gateway.wsUrl, view, made.token);
    await connected;
    await admin.request(RevokeApiKeyDocument, { id: made.key.id, reason: 'screen stolen' });
    const { code, reason } = await closed;
    expect(code).toBe(4403);
    expect(reason).toBe('API key "wall-screen" was revoked');
  });

  it('ends a live subscription within seconds when an ACL starts denying it', async () => {
    const made = (await admin.request(CreateApiKeyDocument, { name: 'tv-screen', roles: ['consumer'] })).createApiKey;
    const client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${made.token}` } });
    const ended = new Promise<unknown>((resolve) => {
      client.subscribe({ query: print(ViewUpdatesDocument), variables: { view } }, { next: (result) => result.errors && resolve(result.errors), error: resolve, complete: () => resolve('completed') });
    });
    await waitFor(async () => /^tributary_live_subscribers\s+[1-9]/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'the subscription to start' });
    await admin.request(PutAclDocument, { input: { principal: `key:${made.key.id}`, resourceType: 'VIEW', resource: view, operation: 'consume', permission: 'DENY' } });
    const outcome = await ended;
    expect(JSON.stringify(outcome)).toContain(`tv-screen may not consume on view \\"${view}\\"`);
    await client.dispose();
  });

  it('refuses a revoked key at once, and audits key and ACL changes without secrets', async () => {
    await admin.request(RevokeApiKeyDocument, { id: keys.auditor!.id, reason: 'left the team' });
    expect(await codeOf(as(keys.auditor!.token).request(StreamsDocument, {}))).toMatch(/HTTP 401|UNAUTHENTICATED/);
    const { auditLog } = await admin.request(AuditLogDocument, { resource: 'key:' });
    expect(auditLog.map((e) => e.action)).toContain('REVOKE_API_KEY');
    const everything = JSON.stringify((await admin.request(AuditLogDocument, { limit: 1_000 })).auditLog);
    for (const key of Object.values(keys)) expect(everything).not.toContain(key!.token.slice('trb_'.length + 12 + 1));
    expect(everything).toContain('PUT_ACL');
  });
});

describe('rate limits per principal', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    // One request per 10 s on average, bursts of 3: a quick burst of 6 is sure to meet the limit.
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_RATE_LIMITS: 'producer=0.1:3' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('hold under a burst from one key, with when to retry, while another key is served', async () => {
    const adminToken = /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(gateway.log())![1];
    const admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${adminToken}` } });
    const stream = uniqueName('limited');
    await admin.request(CreateStreamDocument, { input: { name: stream } });
    const tokenA = (await admin.request(CreateApiKeyDocument, { name: 'noisy', roles: ['producer'] })).createApiKey.token;
    const tokenB = (await admin.request(CreateApiKeyDocument, { name: 'quiet', roles: ['producer'] })).createApiKey.token;
    const post = (token: string) =>
      fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(IngestDocument), variables: { stream, events: [{ ts: NOW }] } }),
      });
    const burst = [];
    for (let i = 0; i < 6; i++) burst.push(await post(tokenA));
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200, 429, 429, 429]);
    const limited = burst[3];
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = (await limited.json()) as { errors: { message: string; extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', retriable: true });
    expect(body.errors[0].message).toMatch(/^noisy is over its rate limit of 0.1 requests per second \(bursts of 3\); retry in \d+ ms$/);
    // The other key has a bucket of its own; the admin key is not limited.
    expect((await post(tokenB)).status).toBe(200);
    expect((await post(adminToken)).status).toBe(200);
  });
});

describe('an admin key supplied by the deployment', () => {
  it('is accepted from the first start, printed by no one, and refused when malformed', async () => {
    const { execFileSync } = await import('node:child_process');
    const token = execFileSync(process.execPath, [require('node:path').resolve(__dirname, '../../dist/src/cli.js'), 'keygen'], { encoding: 'utf8' }).trim();
    expect(token).toMatch(/^trb_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    const gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_BOOTSTRAP_ADMIN_KEY: token } });
    try {
      expect(gateway.log()).not.toContain('Admin API key');
      const admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${token}` } });
      expect((await admin.request(WhoamiDocument, {})).whoami).toMatchObject({ name: 'admin', roles: ['admin'] });
    } finally {
      await gateway.stop();
    }
    const refused = await startExpectingFailure({ TRIBUTARY_BOOTSTRAP_ADMIN_KEY: 'hunter2' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TRIBUTARY_BOOTSTRAP_ADMIN_KEY: must be a key of the form');
    expect(refused.stderr).not.toContain('hunter2');
  });
});
