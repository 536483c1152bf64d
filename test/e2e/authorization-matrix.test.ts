// The authorization rules, proven through real clients against a real gateway that requires keys:
//
// 1. every role × every way in (GraphQL over HTTP, graphql-ws subscriptions, the REST routes), with
//    the expected outcome written out by hand from the README's "Security" section;
// 2. Kafka-style ACLs per principal on streams and views (LITERAL / PREFIXED, ALLOW / DENY, key /
//    role / "*" principals), each case on resources of its own, over HTTP and over the WebSocket;
// 3. a missing, malformed, unknown, wrong-secret or revoked key on every one of those ways in:
//    401 UNAUTHENTICATED over HTTP, close 4403 over graphql-ws.
//
// An allowed subscription is proven by its first update, caused on purpose (an event ingested by the
// admin, a registry change made by the admin), not by the absence of an error.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GraphQLClient, GraphQLRequestError } from '../../src/client/graphql-client';
import {
  ApproveSchemaChangeDocument,
  AuditLogDocument,
  CreateApiKeyDocument,
  CreateStreamDocument,
  CreateViewDocument,
  IngestDocument,
  LineageDocument,
  ProposeSchemaDocument,
  PutAclDocument,
  QuarantineDocument,
  RevokeApiKeyDocument,
  SchemaChangesDocument,
  SetCompatibilityDocument,
  SetSchemaChangePolicyDocument,
  StreamsDocument,
  ViewAggregatesDocument,
  ViewsDocument,
  ViewUpdatesDocument,
  WhoamiDocument,
  type AclInput,
  type CompatibilityMode,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

type Role = 'admin' | 'producer' | 'consumer' | 'steward' | 'auditor';
const ROLE_COLUMNS = ['admin', 'producer', 'consumer', 'steward', 'auditor'] as const satisfies readonly Role[];

type Outcome = 'ALLOWED' | 'FORBIDDEN' | 'UNAUTHENTICATED';
const A = 'ALLOWED' as const;
const F = 'FORBIDDEN' as const;
type Row = readonly [admin: Outcome, producer: Outcome, consumer: Outcome, steward: Outcome, auditor: Outcome];

// Written by hand from README.md, "Security": admin (everything), producer (ingest), consumer (query
// aggregates, subscribe, read quarantine and lineage), steward (propose, approve and govern schemas;
// query; lineage), auditor (audit trail and lineage, read-only); every role reads the catalog
// (streams, views, registry subjects, schemaChanges); the audit trail is "for admin and auditor".
//
//                                                                    admin producer consumer steward auditor
const EXPECTED = {
  'ingest (produce)':                                                  [A, A, F, F, F],
  'viewAggregates (query)':                                            [A, F, A, A, F],
  'viewUpdates over graphql-ws (consume)':                             [A, F, A, F, F],
  'schemaChanges over graphql-ws (read_catalog)':       [A, A, A, A, A],
  'quarantine (consume on the stream)':                                [A, F, A, F, F],
  'createStream (manage)':                                             [A, F, F, F, F],
  'createView (manage)':                                               [A, F, F, F, F],
  'proposeSchema (manage_schemas)':                                    [A, F, F, A, F],
  'approveSchemaChange (approve_schemas)':                             [A, F, F, A, F],
  'setCompatibility (approve_schemas)':                                [A, F, F, A, F],
  'createApiKey (manage_keys)':                                        [A, F, F, F, F],
  'putAcl (manage_acls)':                                              [A, F, F, F, F],
  'auditLog (read_audit)':                                             [A, F, F, F, A],
  'lineage (read_lineage)':                                            [A, F, A, A, A],
  'streams (read_catalog)':                             [A, A, A, A, A],
  'views (read_catalog)':                               [A, A, A, A, A],
  'GET /audit.ndjson':                                                 [A, F, F, F, A],
  'POST /streams/{stream}/messages':                                   [A, A, F, F, F],
  'GET /schema-registry/subjects':                     [A, A, A, A, A],
  'POST /schema-registry/subjects/{subject}/versions':                 [A, F, F, A, F],
} as const satisfies Record<string, Row>;
type Operation = keyof typeof EXPECTED;
const OPERATIONS = Object.keys(EXPECTED) as Operation[];

/** What one attempt came to: an outcome, or a description of anything unexpected (which fails the test). */
interface Observed {
  outcome: Outcome | string;
  message?: string;
}

/** A credential to try: a token (sent as "Authorization: Bearer <token>"), or none at all. */
type Token = string | undefined;

describe('authorization matrix, through real clients', () => {
  let gateway: GatewayProcess;
  let adminToken: string;
  let admin: GraphQLClient;
  /** One key per role (the admin's is the printed one), and a second key for some roles. */
  const keys: Record<string, { id: string; token: string; name: string }> = {};
  const stream = uniqueName('matrix');
  const view = uniqueName('matrix_v');
  const openClients = new Set<{ dispose(): void | Promise<void> }>();

  const as = (token: Token) => new GraphQLClient(gateway.url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const auth = (token: Token): Record<string, string> => (token === undefined ? {} : { authorization: `Bearer ${token}` });

  async function makeKey(name: string, role: Role): Promise<{ id: string; token: string; name: string }> {
    const made = (await admin.request(CreateApiKeyDocument, { name, roles: [role] })).createApiKey;
    return { id: made.key.id, token: made.token, name };
  }

  async function freshStream(base: string): Promise<string> {
    const name = uniqueName(base);
    await admin.request(CreateStreamDocument, { input: { name, watermarkDelay: '0s' } });
    return name;
  }

  async function freshView(streamName: string, base = 'v'): Promise<string> {
    const name = uniqueName(base);
    await admin.request(CreateViewDocument, { input: { name, stream: streamName, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    return name;
  }

  const acl = (input: AclInput) => admin.request(PutAclDocument, { input, reason: 'authorization matrix' });

  const ingestAsAdmin = (into: string) => admin.request(IngestDocument, { stream: into, events: [{ ts: Date.now() }] });

  // --- ways in ------------------------------------------------------------------------------------

  /** A GraphQL operation over HTTP: ALLOWED when it answers data that passes `check`. */
  async function overHttp<R, V>(token: Token, document: TypedDocumentNode<R, V>, variables: V, check: (data: R) => boolean): Promise<Observed> {
    try {
      const data = await as(token).request(document, variables);
      return check(data) ? { outcome: 'ALLOWED' } : { outcome: `ALLOWED, but unexpected data: ${JSON.stringify(data).slice(0, 300)}` };
    } catch (error) {
      if (!(error instanceof GraphQLRequestError)) throw error;
      const { code, status } = error;
      const message = error.errors[0]?.message;
      if (code === 'FORBIDDEN') return { outcome: 'FORBIDDEN', message };
      if (code === 'UNAUTHENTICATED' && status === 401) return { outcome: 'UNAUTHENTICATED', message };
      return { outcome: `HTTP ${status} ${code ?? 'no code'}: ${error.message.slice(0, 300)}` };
    }
  }

  /**
   * A graphql-ws subscription, with the key in connection_init. While no answer has come, `trigger`
   * (run as the admin) is repeated so that an allowed subscription gets an update: ALLOWED on the first
   * `next` carrying data, FORBIDDEN (or another code) on an error, UNAUTHENTICATED on close 4403.
   */
  async function overWebSocket(token: Token, query: string, variables: Record<string, unknown>, trigger: () => Promise<unknown>): Promise<Observed> {
    let observed: Observed | undefined;
    const settle = (value: Observed) => {
      observed ??= value;
    };
    const client = createClient({
      url: gateway.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      ...(token === undefined ? {} : { connectionParams: { authorization: `Bearer ${token}` } }),
    });
    openClients.add(client);
    try {
      client.subscribe(
        { query, variables },
        {
          next: (result) => {
            const first = result.errors?.[0] as { message: string; extensions?: { code?: string } } | undefined;
            if (!first) return settle(result.data ? { outcome: 'ALLOWED' } : { outcome: `next without data or errors: ${JSON.stringify(result)}` });
            const code = first.extensions?.code;
            settle(code === 'FORBIDDEN' ? { outcome: 'FORBIDDEN', message: first.message } : { outcome: `${code ?? 'no code'}: ${first.message}` });
          },
          error: (error) => {
            const close = error as { code?: unknown; reason?: unknown };
            if (typeof close.code === 'number') {
              return settle(close.code === 4403 ? { outcome: 'UNAUTHENTICATED', message: String(close.reason) } : { outcome: `closed ${close.code}: ${String(close.reason)}` });
            }
            const errors = Array.isArray(error) ? (error as { message: string; extensions?: { code?: string } }[]) : undefined;
            if (errors?.[0]?.extensions?.code === 'FORBIDDEN') return settle({ outcome: 'FORBIDDEN', message: errors[0].message });
            settle({ outcome: `error: ${JSON.stringify(error).slice(0, 300)}` });
          },
          complete: () => settle({ outcome: 'completed without any update or error' }),
        },
      );
      return await waitFor(
        async () => {
          if (observed) return observed;
          await trigger();
          return observed;
        },
        { timeoutMs: 10_000, intervalMs: 200, what: `an answer to the subscription ${JSON.stringify(variables)}` },
      );
    } finally {
      await client.dispose();
      openClients.delete(client);
    }
  }

  /** Updates of a view; allowed ones are proven by an event the admin ingests into `streamOfView`. */
  const viewUpdates = (token: Token, ofView: string, streamOfView: string) => overWebSocket(token, print(ViewUpdatesDocument), { view: ofView }, () => ingestAsAdmin(streamOfView));

  /** The registry's change feed for one fresh subject; allowed ones are proven by the admin changing its mode. */
  async function schemaChanges(token: Token): Promise<Observed> {
    const subject = `${uniqueName('sc')}-value`;
    const modes: CompatibilityMode[] = ['FULL', 'BACKWARD', 'NONE'];
    let turn = 0;
    return overWebSocket(token, print(SchemaChangesDocument), { subject }, () => admin.request(SetCompatibilityDocument, { subject, mode: modes[turn++ % modes.length] }));
  }

  async function rest(token: Token, method: 'GET' | 'POST', path: string, body?: { contentType: string; data: string | Uint8Array }): Promise<Response> {
    return fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: { ...auth(token), ...(body ? { 'content-type': body.contentType } : {}) },
      ...(body ? { body: body.data } : {}),
    });
  }

  async function auditNdjson(token: Token): Promise<Observed> {
    const response = await rest(token, 'GET', '/audit.ndjson');
    const text = await response.text();
    if (response.status === 200) {
      const lines = text.trim().split('\n');
      return lines.length > 0 && typeof JSON.parse(lines[0]).action === 'string' ? { outcome: 'ALLOWED' } : { outcome: `200 with ${text.slice(0, 200)}` };
    }
    const message = (JSON.parse(text) as { error?: string }).error;
    if (response.status === 403) return { outcome: 'FORBIDDEN', message };
    if (response.status === 401) return { outcome: 'UNAUTHENTICATED', message };
    return { outcome: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  }

  /** One message in Confluent's wire format (magic byte 0, schema id 1, a JSON body). */
  const WIRE_MESSAGE = new Uint8Array([0, 0, 0, 0, 1, ...new TextEncoder().encode(JSON.stringify({ ts: Date.now() }))]);

  /** The encoded ingest route: refused with 401/403 before the body is read; a 200 answering for the message means the caller got in. */
  async function encodedIngest(token: Token, into: string): Promise<Observed> {
    const response = await rest(token, 'POST', `/streams/${into}/messages`, { contentType: 'application/octet-stream', data: WIRE_MESSAGE });
    const text = await response.text();
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (response.status === 403 && body.error?.code === 'FORBIDDEN') return { outcome: 'FORBIDDEN', message: body.error.message };
    if (response.status === 401 && body.error?.code === 'UNAUTHENTICATED') return { outcome: 'UNAUTHENTICATED', message: body.error.message };
    // Let in, the gateway reads the message and answers what became of it (here: rejected, as schema id 1
    // is no version of the stream's subject); that it was read at all is what counts.
    const { accepted, rejected } = body as { accepted?: number; rejected?: number };
    if (response.status === 200 && accepted !== undefined && rejected !== undefined && accepted + rejected === 1) return { outcome: 'ALLOWED' };
    return { outcome: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  }

  async function registry(token: Token, method: 'GET' | 'POST', path: string, data?: unknown): Promise<Observed> {
    const response = await rest(token, method, `/schema-registry${path}`, data === undefined ? undefined : { contentType: 'application/vnd.schemaregistry.v1+json', data: JSON.stringify(data) });
    const text = await response.text();
    const body = JSON.parse(text) as { error_code?: number; message?: string };
    if (response.status === 200) return { outcome: 'ALLOWED' };
    if (response.status === 403 && body.error_code === 40301) return { outcome: 'FORBIDDEN', message: body.message };
    if (response.status === 401 && body.error_code === 40101) return { outcome: 'UNAUTHENTICATED', message: body.message };
    return { outcome: `HTTP ${response.status}: ${text.slice(0, 200)}` };
  }

  /** How each operation of the table is tried, with a given credential. */
  const PROBES: Record<Operation, (token: Token) => Promise<Observed>> = {
    'ingest (produce)': (token) => overHttp(token, IngestDocument, { stream, events: [{ ts: Date.now() }] }, (d) => d.ingest.accepted === 1),
    'viewAggregates (query)': (token) =>
      overHttp(token, ViewAggregatesDocument, { view }, (d) => Array.isArray(d.viewAggregates)),
    'viewUpdates over graphql-ws (consume)': (token) => viewUpdates(token, view, stream),
    'schemaChanges over graphql-ws (read_catalog)': (token) => schemaChanges(token),
    'quarantine (consume on the stream)': (token) => overHttp(token, QuarantineDocument, { stream }, (d) => Array.isArray(d.quarantine)),
    'createStream (manage)': (token) => {
      const name = uniqueName('made');
      return overHttp(token, CreateStreamDocument, { input: { name } }, (d) => d.createStream.name === name);
    },
    'createView (manage)': (token) => {
      const name = uniqueName('made_v');
      return overHttp(token, CreateViewDocument, { input: { name, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } }, (d) => d.createView.name === name);
    },
    'proposeSchema (manage_schemas)': (token) =>
      overHttp(token, ProposeSchemaDocument, { subject: `${uniqueName('prop')}-value`, schema: '"string"' }, (d) => d.proposeSchema.version?.version === 1),
    'approveSchemaChange (approve_schemas)': async (token) => {
      // A proposal of the admin's, waiting for review on a subject of its own.
      const subject = `${uniqueName('appr')}-value`;
      await admin.request(SetSchemaChangePolicyDocument, { subject, policy: 'REVIEW', reason: 'matrix' });
      const proposal = (await admin.request(ProposeSchemaDocument, { subject, schema: '"string"' })).proposeSchema.proposal;
      if (proposal?.status !== 'PENDING') return { outcome: `setup: expected a PENDING proposal, got ${JSON.stringify(proposal)}` };
      return overHttp(token, ApproveSchemaChangeDocument, { proposal: proposal.id }, (d) => d.approveSchemaChange.status === 'APPROVED');
    },
    'setCompatibility (approve_schemas)': (token) =>
      overHttp(token, SetCompatibilityDocument, { subject: `${uniqueName('compat')}-value`, mode: 'FULL' }, (d) => d.setCompatibility === null || typeof d.setCompatibility === 'string'),
    'createApiKey (manage_keys)': (token) => {
      const name = uniqueName('made-key');
      return overHttp(token, CreateApiKeyDocument, { name, roles: ['consumer'] }, (d) => d.createApiKey.key.name === name && d.createApiKey.token.startsWith('trb_'));
    },
    'putAcl (manage_acls)': (token) =>
      // A harmless rule: it names a view that does not exist.
      overHttp(
        token,
        PutAclDocument,
        { input: { principal: 'role:auditor', resourceType: 'VIEW', patternType: 'LITERAL', resource: uniqueName('nothing'), operation: 'query', permission: 'ALLOW' } },
        (d) => d.putAcl.id.startsWith('acl-'),
      ),
    'auditLog (read_audit)': (token) => overHttp(token, AuditLogDocument, { limit: 5 }, (d) => d.auditLog.length > 0),
    'lineage (read_lineage)': (token) =>
      overHttp(token, LineageDocument, { node: `stream:${stream}` }, (d) => d.lineage.nodes.some((n) => n.id === `stream:${stream}`)),
    'streams (read_catalog)': (token) => overHttp(token, StreamsDocument, {}, (d) => d.streams.some((s) => s.name === stream)),
    'views (read_catalog)': (token) => overHttp(token, ViewsDocument, {}, (d) => d.views.some((v) => v.name === view)),
    'GET /audit.ndjson': (token) => auditNdjson(token),
    'POST /streams/{stream}/messages': (token) => encodedIngest(token, stream),
    'GET /schema-registry/subjects': (token) => registry(token, 'GET', '/subjects'),
    'POST /schema-registry/subjects/{subject}/versions': (token) => registry(token, 'POST', `/subjects/${uniqueName('reg')}-value/versions`, { schema: '"string"' }),
  };

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required' } });
    const printed = /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(gateway.log())?.[1];
    expect(printed, gateway.log()).toBeDefined();
    adminToken = printed!;
    admin = as(adminToken);
    const me = (await admin.request(WhoamiDocument, {})).whoami!;
    keys.admin = { id: me.id, token: adminToken, name: me.name };
    for (const role of ['producer', 'consumer', 'steward', 'auditor'] as const) keys[role] = await makeKey(`${role}-matrix`, role);
    for (const role of ['producer', 'consumer', 'auditor'] as const) keys[`${role}2`] = await makeKey(`${role}-other`, role);
    await admin.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s' } });
    await admin.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    // Something in the lineage graph and the audit trail for the readers to find.
    expect((await ingestAsAdmin(stream)).ingest.accepted).toBe(1);
  });

  afterAll(async () => {
    for (const client of openClients) await client.dispose();
    await gateway?.stop();
  });

  describe('1. each role × each operation', () => {
    it.each(ROLE_COLUMNS.map((role, column) => [role, column] as const))('%s', async (role, column) => {
      const key = keys[role];
      const observed: Record<string, string> = {};
      const refusals: string[] = [];
      for (const operation of OPERATIONS) {
        const result = await PROBES[operation](key.token);
        observed[operation] = result.outcome;
        if (result.outcome === 'FORBIDDEN') refusals.push(result.message ?? '(no message)');
      }
      const expected = Object.fromEntries(OPERATIONS.map((operation) => [operation, EXPECTED[operation][column]]));
      expect(observed).toEqual(expected);
      // A refusal says who may not do what, and why.
      expect(refusals).toHaveLength(Object.values(expected).filter((outcome) => outcome === F).length);
      for (const message of refusals) expect(message).toMatch(new RegExp(`^${key.name} may not \\S.*: \\S`));
    });
  });

  describe('2. ACLs per principal, each case on streams and views of its own', () => {
    const ingestAs = (token: Token, into: string) => overHttp(token, IngestDocument, { stream: into, events: [{ ts: Date.now() }] }, (d) => d.ingest.accepted === 1);
    const queryAs = (token: Token, of: string) => overHttp(token, ViewAggregatesDocument, { view: of }, (d) => Array.isArray(d.viewAggregates));
    const quarantineAs = (token: Token, of: string) => overHttp(token, QuarantineDocument, { stream: of }, (d) => Array.isArray(d.quarantine));
    const createStreamAs = (token: Token, name: string) => overHttp(token, CreateStreamDocument, { input: { name } }, (d) => d.createStream.name === name);
    const outcome = async (attempt: Promise<Observed>) => (await attempt).outcome;

    it('LITERAL ALLOW grants one view what the role lacks (auditor: query over HTTP, consume over graphql-ws), and nothing else', async () => {
      const s = await freshStream('lit_allow');
      const v = await freshView(s);
      const other = await freshView(s);
      const auditor = keys.auditor.token;
      // Before the rule the auditor may not query the view.
      expect(await outcome(queryAs(auditor, v))).toBe(F);
      await acl({ principal: `key:${keys.auditor.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'ALLOW' });
      expect(await outcome(queryAs(auditor, v))).toBe(A);
      expect(await outcome(queryAs(auditor, other))).toBe(F);
      // query is not consume: the subscription is still refused, until consume is granted too.
      expect(await outcome(viewUpdates(auditor, v, s))).toBe(F);
      await acl({ principal: `key:${keys.auditor.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'consume', permission: 'ALLOW' });
      expect(await outcome(viewUpdates(auditor, v, s))).toBe(A);
      expect(await outcome(viewUpdates(auditor, other, s))).toBe(F);
      // A VIEW rule does not reach the view's stream: consume on the stream (its quarantine) stays refused.
      expect(await outcome(quarantineAs(auditor, s))).toBe(F);
    });

    it('LITERAL DENY beats the role (producer: produce), over GraphQL and the encoded REST route, on that stream only', async () => {
      const denied = await freshStream('lit_deny');
      const other = await freshStream('lit_deny_o');
      const producer = keys.producer.token;
      expect(await outcome(ingestAs(producer, denied))).toBe(A);
      await acl({ principal: `key:${keys.producer.id}`, resourceType: 'STREAM', patternType: 'LITERAL', resource: denied, operation: 'produce', permission: 'DENY' });
      const refused = await ingestAs(producer, denied);
      expect(refused.outcome).toBe(F);
      expect(refused.message).toMatch(new RegExp(`^producer-matrix may not produce on stream "${denied}": denied by ACL acl-[0-9a-f]+$`));
      expect(await outcome(encodedIngest(producer, denied))).toBe(F);
      expect(await outcome(ingestAs(producer, other))).toBe(A);
      expect(await outcome(encodedIngest(producer, other))).toBe(A);
      // Other keys of the same role, and the admin, are untouched by a rule for one key.
      expect(await outcome(ingestAs(keys.producer2.token, denied))).toBe(A);
      expect(await outcome(ingestAs(adminToken, denied))).toBe(A);
    });

    it('PREFIXED DENY covers every stream starting with the prefix and no other', async () => {
      const prefix = `${uniqueName('pfx_deny')}_`;
      const inside = [prefix, `${prefix}a`, `${prefix}b_more`];
      const outside = [`x${prefix}`, `${prefix.slice(0, -2)}`, await freshStream('pfx_deny_o')];
      for (const name of [...inside, ...outside.slice(0, 2)]) await admin.request(CreateStreamDocument, { input: { name, watermarkDelay: '0s' } });
      await acl({ principal: `key:${keys.producer.id}`, resourceType: 'STREAM', patternType: 'PREFIXED', resource: prefix, operation: 'produce', permission: 'DENY' });
      const producer = keys.producer.token;
      const results: Record<string, string> = {};
      for (const name of inside) results[name] = await outcome(ingestAs(producer, name));
      for (const name of outside) results[name] = await outcome(ingestAs(producer, name));
      expect(results).toEqual({ [inside[0]]: F, [inside[1]]: F, [inside[2]]: F, [outside[0]]: A, [outside[1]]: A, [outside[2]]: A });
      expect(await outcome(encodedIngest(producer, inside[1]))).toBe(F);
      expect(await outcome(encodedIngest(producer, outside[0]))).toBe(A);
    });

    it('PREFIXED ALLOW grants under the prefix only (consumer: produce; steward: manage, i.e. createStream)', async () => {
      const prefix = `${uniqueName('pfx_allow')}_`;
      const inside = `${prefix}a`;
      const outside = await freshStream('pfx_allow_o');
      await admin.request(CreateStreamDocument, { input: { name: inside, watermarkDelay: '0s' } });
      const consumer = keys.consumer.token;
      expect(await outcome(ingestAs(consumer, inside))).toBe(F);
      await acl({ principal: `key:${keys.consumer.id}`, resourceType: 'STREAM', patternType: 'PREFIXED', resource: prefix, operation: 'produce', permission: 'ALLOW' });
      expect(await outcome(ingestAs(consumer, inside))).toBe(A);
      expect(await outcome(encodedIngest(consumer, inside))).toBe(A);
      expect(await outcome(ingestAs(consumer, outside))).toBe(F);
      expect(await outcome(encodedIngest(consumer, outside))).toBe(F);

      await acl({ principal: `key:${keys.steward.id}`, resourceType: 'STREAM', patternType: 'PREFIXED', resource: prefix, operation: 'manage', permission: 'ALLOW' });
      expect(await outcome(createStreamAs(keys.steward.token, `${prefix}made_by_steward`))).toBe(A);
      expect(await outcome(createStreamAs(keys.steward.token, uniqueName('not_under_prefix')))).toBe(F);
    });

    it('a matching DENY beats a matching ALLOW, whatever their order (HTTP query, WebSocket consume)', async () => {
      const s = await freshStream('deny_wins');
      const v = await freshView(s, 'deny_wins_v');
      // ALLOW first, then a PREFIXED DENY that also matches: the auditor may not query.
      await acl({ principal: `key:${keys.auditor.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'ALLOW' });
      expect(await outcome(queryAs(keys.auditor.token, v))).toBe(A);
      await acl({ principal: `key:${keys.auditor.id}`, resourceType: 'VIEW', patternType: 'PREFIXED', resource: v.slice(0, -1), operation: 'query', permission: 'DENY' });
      expect(await outcome(queryAs(keys.auditor.token, v))).toBe(F);
      // DENY first, then an ALLOW: the consumer's subscription is refused with FORBIDDEN.
      await acl({ principal: `key:${keys.consumer.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'consume', permission: 'DENY' });
      await acl({ principal: `key:${keys.consumer.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'consume', permission: 'ALLOW' });
      const refused = await viewUpdates(keys.consumer.token, v, s);
      expect(refused.outcome).toBe(F);
      expect(refused.message).toMatch(new RegExp(`^consumer-matrix may not consume on view "${v}": denied by ACL acl-[0-9a-f]+$`));
      // The same view, for another consumer key, still delivers updates.
      expect(await outcome(viewUpdates(keys.consumer2.token, v, s))).toBe(A);
    });

    it('rules for role:<role> reach every key of that role and no other role', async () => {
      const s = await freshStream('role_rule');
      const v = await freshView(s, 'role_rule_v');
      await acl({ principal: 'role:consumer', resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'DENY' });
      await acl({ principal: 'role:consumer', resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'consume', permission: 'DENY' });
      await acl({ principal: 'role:auditor', resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'ALLOW' });
      await acl({ principal: 'role:consumer', resourceType: 'STREAM', patternType: 'LITERAL', resource: s, operation: 'consume', permission: 'DENY' });
      const results = {
        'consumer query': await outcome(queryAs(keys.consumer.token, v)),
        'consumer2 query': await outcome(queryAs(keys.consumer2.token, v)),
        'consumer viewUpdates': await outcome(viewUpdates(keys.consumer.token, v, s)),
        'consumer2 viewUpdates': await outcome(viewUpdates(keys.consumer2.token, v, s)),
        'consumer quarantine': await outcome(quarantineAs(keys.consumer.token, s)),
        'auditor query': await outcome(queryAs(keys.auditor.token, v)),
        'auditor2 query': await outcome(queryAs(keys.auditor2.token, v)),
        'steward query': await outcome(queryAs(keys.steward.token, v)),
        'producer query': await outcome(queryAs(keys.producer.token, v)),
        'admin viewUpdates': await outcome(viewUpdates(adminToken, v, s)),
        'admin quarantine': await outcome(quarantineAs(adminToken, s)),
      };
      expect(results).toEqual({
        'consumer query': F,
        'consumer2 query': F,
        'consumer viewUpdates': F,
        'consumer2 viewUpdates': F,
        'consumer quarantine': F,
        'auditor query': A,
        'auditor2 query': A,
        'steward query': A,
        'producer query': F,
        'admin viewUpdates': A,
        'admin quarantine': A,
      });
    });

    it('rules for "*" reach every key, the admin too', async () => {
      const s = await freshStream('star');
      const other = await freshStream('star_o');
      const v = await freshView(other, 'star_v');
      await acl({ principal: '*', resourceType: 'STREAM', patternType: 'LITERAL', resource: s, operation: 'produce', permission: 'DENY' });
      await acl({ principal: '*', resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'ALLOW' });
      const results = {
        'producer ingest': await outcome(ingestAs(keys.producer.token, s)),
        'producer encoded ingest': await outcome(encodedIngest(keys.producer.token, s)),
        'admin ingest': await outcome(ingestAs(adminToken, s)),
        'producer ingest elsewhere': await outcome(ingestAs(keys.producer.token, other)),
        'auditor query': await outcome(queryAs(keys.auditor.token, v)),
        'producer query': await outcome(queryAs(keys.producer.token, v)),
        // query was granted, consume was not.
        'producer viewUpdates': await outcome(viewUpdates(keys.producer.token, v, other)),
      };
      expect(results).toEqual({
        'producer ingest': F,
        'producer encoded ingest': F,
        'admin ingest': F,
        'producer ingest elsewhere': A,
        'auditor query': A,
        'producer query': A,
        'producer viewUpdates': F,
      });
    });

    it("a rule for a different key does not affect this one (HTTP and graphql-ws)", async () => {
      const s = await freshStream('other_key');
      const v = await freshView(s, 'other_key_v');
      await acl({ principal: `key:${keys.producer2.id}`, resourceType: 'STREAM', patternType: 'LITERAL', resource: s, operation: 'produce', permission: 'DENY' });
      await acl({ principal: `key:${keys.auditor2.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'query', permission: 'ALLOW' });
      await acl({ principal: `key:${keys.consumer2.id}`, resourceType: 'VIEW', patternType: 'LITERAL', resource: v, operation: 'consume', permission: 'DENY' });
      const results = {
        'producer ingest': await outcome(ingestAs(keys.producer.token, s)),
        'producer2 ingest': await outcome(ingestAs(keys.producer2.token, s)),
        'auditor query': await outcome(queryAs(keys.auditor.token, v)),
        'auditor2 query': await outcome(queryAs(keys.auditor2.token, v)),
        'consumer viewUpdates': await outcome(viewUpdates(keys.consumer.token, v, s)),
        'consumer2 viewUpdates': await outcome(viewUpdates(keys.consumer2.token, v, s)),
      };
      expect(results).toEqual({
        'producer ingest': A,
        'producer2 ingest': F,
        'auditor query': F,
        'auditor2 query': A,
        'consumer viewUpdates': A,
        'consumer2 viewUpdates': F,
      });
    });
  });

  describe('3. a credential that does not hold is UNAUTHENTICATED on every way in', () => {
    const credentials: [string, () => Promise<Token>][] = [
      ['no credential at all', async () => undefined],
      ['a malformed key', async () => 'trb_nope'],
      ['a well-formed key never issued', async () => `trb_${'0'.repeat(12)}_${'A'.repeat(43)}`],
      ['a real key id with the wrong secret', async () => `trb_${keys.producer.id}_${'B'.repeat(43)}`],
      [
        'a revoked admin key',
        async () => {
          const revoked = await makeKey(uniqueName('revoked'), 'admin');
          // It held before it was revoked.
          expect((await as(revoked.token).request(WhoamiDocument, {})).whoami?.name).toBe(revoked.name);
          await admin.request(RevokeApiKeyDocument, { id: revoked.id, reason: 'matrix' });
          return revoked.token;
        },
      ],
    ];
    it.each(credentials)('%s', async (_what, credential) => {
      const token = await credential();
      const observed: Record<string, string> = {};
      for (const operation of OPERATIONS) observed[operation] = (await PROBES[operation](token)).outcome;
      expect(observed).toEqual(Object.fromEntries(OPERATIONS.map((operation) => [operation, 'UNAUTHENTICATED'])));
    });
  });
});
