// Refused requests in the audit trail: every way into the gateway (GraphQL over HTTP, graphql-ws,
// the REST registry, encoded ingest, the NDJSON export) records who the request claimed to be,
// where it came from, what it tried and what it got, without the credential; and a flood of bad
// keys is tallied into a bounded number of entries that still count every refusal.

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GraphQLClient } from '../../src/client/graphql-client';
import {
  AuditLogDocument,
  CreateApiKeyDocument,
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  PutAclDocument,
  StreamsDocument,
  ViewUpdatesDocument,
  type AuditLogQuery,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { watchViewUpdates } from '../helpers/live-connection';
import { uniqueName } from '../helpers/temp-dir';

type Entry = AuditLogQuery['auditLog'][number];

const adminKeyOf = (gateway: GatewayProcess) => /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(gateway.log())![1];
/** A well-formed key no gateway made: its id is "forgedkey001", its secret the 43 characters after. */
const FORGED_SECRET = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tX';
const forged = (id = 'forgedkey001') => `trb_${id}_${FORGED_SECRET}`;

describe('refused requests in the audit trail', () => {
  let gateway: GatewayProcess;
  let admin: GraphQLClient;
  let producer: { token: string; id: string };
  let consumer: { token: string; id: string };
  const stream = uniqueName('payments');
  const view = uniqueName('payments_per_minute');
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_AUDIT_REFUSALS_FLUSH_MS: '100' } });
    admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${adminKeyOf(gateway)}` } });
    const key = async (name: string, role: 'producer' | 'consumer') => {
      const made = (await admin.request(CreateApiKeyDocument, { name, roles: [role] })).createApiKey;
      return { token: made.token, id: made.key.id };
    };
    producer = await key('billing-app', 'producer');
    consumer = await key('ops-screen', 'consumer');
    await admin.request(CreateStreamDocument, { input: { name: stream } });
    await admin.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    await admin.request(PutAclDocument, { input: { principal: `key:${consumer.id}`, resourceType: 'VIEW', resource: view, operation: 'consume', permission: 'DENY' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('records each refusal with principal, source, entry point, operation and result, never the secret', async () => {
    const streams = JSON.stringify({ query: print(StreamsDocument) });
    expect((await post('/graphql', streams)).status).toBe(401);
    expect((await post('/graphql', streams, { authorization: `Bearer ${forged()}` })).status).toBe(401);
    expect((await post('/graphql', streams, { 'x-api-key': 'not-a-key-at-all' })).status).toBe(401);
    const producerClient = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${producer.token}` } });
    await expect(producerClient.request(AuditLogDocument, {})).rejects.toThrow(/billing-app may not read audit/);
    expect((await fetch(`${gateway.baseUrl}/audit.ndjson`, { headers: { authorization: `Bearer ${producer.token}` } })).status).toBe(403);
    expect((await post(`/streams/${stream}/messages`, '{}', { authorization: `Bearer ${consumer.token}` })).status).toBe(403);
    expect((await post(`/schema-registry/subjects/${stream}-value/versions`, JSON.stringify({ schema: '"string"' }))).status).toBe(401);
    expect((await watchViewUpdates(gateway.wsUrl, view, forged()).closed).code).toBe(4403);
    const denied = await subscribeOnce(gateway.wsUrl, view, consumer.token);
    expect(denied).toContain('FORBIDDEN');

    const expected: Partial<Entry>[] = [
      { action: 'AUTHENTICATION_FAILED', actor: 'anonymous', via: 'POST /graphql', operation: 'authenticate', resource: 'gateway', result: 'UNAUTHENTICATED' },
      { action: 'AUTHENTICATION_FAILED', actor: 'key:forgedkey001', via: 'POST /graphql', operation: 'authenticate', result: 'UNAUTHENTICATED', detail: 'the API key is not valid' },
      { action: 'AUTHENTICATION_FAILED', actor: 'unreadable credential', via: 'POST /graphql', result: 'UNAUTHENTICATED' },
      { action: 'AUTHORIZATION_FAILED', actor: 'billing-app', via: 'POST /graphql', operation: 'read_audit', resource: 'gateway', result: 'FORBIDDEN' },
      { action: 'AUTHORIZATION_FAILED', actor: 'billing-app', via: 'GET /audit.ndjson', operation: 'read_audit', result: 'FORBIDDEN' },
      { action: 'AUTHORIZATION_FAILED', actor: 'ops-screen', via: `POST /streams/${stream}/messages`, operation: 'produce', resource: `stream:${stream}`, result: 'FORBIDDEN' },
      { action: 'AUTHENTICATION_FAILED', actor: 'anonymous', via: `POST /schema-registry/subjects/${stream}-value/versions`, result: 'UNAUTHENTICATED' },
      { action: 'AUTHENTICATION_FAILED', actor: 'key:forgedkey001', via: 'graphql-ws', operation: 'authenticate', result: 'UNAUTHENTICATED' },
      { action: 'AUTHORIZATION_FAILED', actor: 'ops-screen', via: 'graphql-ws', operation: 'consume', resource: `view:${view}`, result: 'FORBIDDEN' },
    ];
    const refusals = await waitFor(
      async () => {
        const [unauthenticated, forbidden] = await Promise.all(
          ['UNAUTHENTICATED', 'FORBIDDEN'].map(async (result) => (await admin.request(AuditLogDocument, { result, limit: 1_000 })).auditLog),
        );
        const all = [...unauthenticated, ...forbidden];
        return expected.every((wanted) => all.some((entry) => matches(entry, wanted))) && all;
      },
      { timeoutMs: 15_000, what: 'every refusal in the audit trail' },
    );
    for (const entry of refusals) {
      expect(entry.source).toMatch(/^(127\.0\.0\.1|::ffff:127\.0\.0\.1)$/);
      expect(entry.count).toBeGreaterThanOrEqual(1);
    }
    const everything = await (await fetch(`${gateway.baseUrl}/audit.ndjson`, { headers: { authorization: `Bearer ${adminKeyOf(gateway)}` } })).text();
    expect(everything).not.toContain(FORGED_SECRET);
    expect(everything).not.toContain('not-a-key-at-all');
    expect(everything).not.toContain(producer.token.slice(-43));
    const exported = await (await fetch(`${gateway.baseUrl}/audit.ndjson?result=FORBIDDEN`, { headers: { authorization: `Bearer ${adminKeyOf(gateway)}` } })).text();
    const lines = exported.trim().split('\n').map((line) => JSON.parse(line) as { result: string; source: string; lastAt: string });
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.every((line) => line.result === 'FORBIDDEN' && Number.isFinite(Date.parse(line.lastAt)))).toBe(true);
    // Changes are APPLIED, and a refusal filter leaves them out.
    expect((await admin.request(AuditLogDocument, { result: 'APPLIED', action: 'PUT_ACL' })).auditLog).toHaveLength(1);
    expect(await gateway.metrics()).toMatch(/^tributary_access_refusals_total\{result="UNAUTHENTICATED"\} ([5-9]|\d{2,})$/m);
  });
});

describe('a flood of bad credentials', () => {
  it('is tallied into a bounded number of audit entries that count every refusal, written on shutdown', async () => {
    // Refusals are written only every hour here, or when the gateway stops: the test decides when.
    let gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_AUDIT_REFUSALS_FLUSH_MS: '3600000' } });
    const adminToken = adminKeyOf(gateway);
    const before = await auditSize(gateway, adminToken);
    const attempt = (token: string) => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ streams { name } }"}' });
    const tokens = [...Array.from({ length: 500 }, () => forged()), ...Array.from({ length: 250 }, (_, i) => forged(`flood${String(i).padStart(7, '0')}`))];
    for (let i = 0; i < tokens.length; i += 50) {
      const statuses = await Promise.all(tokens.slice(i, i + 50).map(async (token) => (await attempt(token)).status));
      expect(new Set(statuses)).toEqual(new Set([401]));
    }
    const dataDir = gateway.dataDir;
    await gateway.stop();
    gateway = await startGateway({ dataDir, env: { TRIBUTARY_AUTH: 'required' } });
    try {
      const admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${adminToken}` } });
      const { auditLog } = await admin.request(AuditLogDocument, { since: new Date(0).toISOString(), limit: 10_000 });
      const flood = auditLog.filter((entry) => entry.sequence > before);
      // One kind for the repeated key, 199 more itemized (200 per period), the other 51 in one summary.
      expect(flood).toHaveLength(201);
      expect(flood.reduce((sum, entry) => sum + entry.count, 0)).toBe(750);
      expect(flood.find((entry) => entry.actor === 'key:forgedkey001')).toMatchObject({ count: 500, action: 'AUTHENTICATION_FAILED' });
      expect(flood.find((entry) => entry.action === 'ACCESS_REFUSALS_NOT_ITEMIZED')).toMatchObject({ actor: '*', count: 51 });
      expect(JSON.stringify(flood)).not.toContain(FORGED_SECRET);
    } finally {
      await gateway.stop();
    }
  });
});

async function auditSize(gateway: GatewayProcess, token: string): Promise<number> {
  const admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${token}` } });
  return (await admin.request(AuditLogDocument, { limit: 1 })).auditLog[0]?.sequence ?? 0;
}

function matches(entry: Entry, wanted: Partial<Entry>): boolean {
  return Object.entries(wanted).every(([field, value]) => entry[field as keyof Entry] === value);
}

/** Subscribes once with `token` and resolves with the first errors or outcome, as JSON. */
async function subscribeOnce(wsUrl: string, view: string, token: string): Promise<string> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${token}` } });
  try {
    return await new Promise<string>((resolve) => {
      client.subscribe(
        { query: print(ViewUpdatesDocument), variables: { view } },
        { next: (result) => result.errors && resolve(JSON.stringify(result.errors)), error: (error) => resolve(JSON.stringify(error)), complete: () => resolve('completed') },
      );
    });
  } finally {
    await client.dispose();
  }
}
