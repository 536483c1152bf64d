// Governing a stream's schema through GraphQL: change policies (AUTO, REVIEW, LOCKED) with
// proposals, approvals and rejections; version lifecycles (DEPRECATED warns, ARCHIVED refuses) at
// ingest; and the audit trail of who changed what, when and why.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from 'graphql';
import { GraphQLRequestError, type GraphQLErrorPayload } from '../../src/client/graphql-client';
import {
  ApproveSchemaChangeDocument,
  ArchiveSchemaVersionDocument,
  CheckCompatibilityDocument,
  CreateStreamDocument,
  DeprecateSchemaVersionDocument,
  IngestDocument,
  ProposeSchemaDocument,
  RejectSchemaChangeDocument,
  SchemaAuditDocument,
  SchemaProposalsDocument,
  SchemaSubjectsDocument,
  SetSchemaChangePolicyDocument,
} from '../../src/client/generated/graphql';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const record = (fields: unknown[]) => JSON.stringify({ type: 'record', name: 'Payment', fields: [{ name: 'ts', type: 'long' }, ...fields] });
const V1 = record([{ name: 'amount', type: 'double' }]);
const V2 = record([
  { name: 'amount', type: 'double' },
  { name: 'currency', type: 'string', default: 'EUR' },
]);
const V3 = record([
  { name: 'amount', type: 'double' },
  { name: 'currency', type: 'string', default: 'EUR' },
  { name: 'method', type: 'string', default: 'card' },
]);

async function errorOf(request: Promise<unknown>): Promise<GraphQLErrorPayload> {
  const error = await request.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GraphQLRequestError);
  return (error as GraphQLRequestError).errors[0];
}

describe('schema governance through GraphQL', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('payments');
  const subject = `${stream}-value`;
  const steward = () => gateway.clientFor('steward-ana');
  const producer = () => gateway.clientFor('payments-api');

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('applies a compatible proposal at once under AUTO, and refuses an incompatible one with every reason', async () => {
    const first = (await producer().request(ProposeSchemaDocument, { subject, schema: V1, reason: 'first payment schema' })).proposeSchema;
    expect(first.proposal).toMatchObject({ status: 'APPROVED', decidedBy: 'policy AUTO', version: 1, proposedBy: 'payments-api' });
    expect(first.version).toMatchObject({ version: 1, state: 'ACTIVE' });

    const breaking = record([{ name: 'amount', type: 'string' }, { name: 'payer', type: 'string' }]);
    const check = (await gateway.client.request(CheckCompatibilityDocument, { subject, schema: breaking })).checkCompatibility;
    expect(check.compatible).toBe(false);
    expect(check.issues.map((i) => [i.rule, i.path])).toEqual([
      ['TYPE_MISMATCH', '/fields/1/type'],
      ['READER_FIELD_MISSING_DEFAULT', '/fields/2'],
    ]);
    const refused = await errorOf(producer().request(ProposeSchemaDocument, { subject, schema: breaking }));
    expect(refused.extensions).toMatchObject({ code: 'INCOMPATIBLE_SCHEMA', mode: 'BACKWARD', registryErrorCode: 409 });
    expect((refused.extensions?.issues as unknown[]).length).toBe(2);
  });

  it('keeps proposals PENDING under REVIEW until a steward approves or rejects them, and refuses direct registration', async () => {
    expect((await steward().request(SetSchemaChangePolicyDocument, { subject, policy: 'REVIEW', reason: 'payments are regulated' })).setSchemaChangePolicy).toBe('REVIEW');
    const proposed = (await producer().request(ProposeSchemaDocument, { subject, schema: V2, reason: 'multi-currency' })).proposeSchema;
    expect(proposed.proposal).toMatchObject({ status: 'PENDING', version: null });
    expect(proposed.version).toBeNull();

    const direct = await fetch(`${gateway.baseUrl}/schema-registry/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: V2 }),
    });
    expect(direct.status).toBe(422);
    expect(await direct.json()).toMatchObject({ error_code: 42205, message: expect.stringContaining('REVIEW') });

    const pending = (await steward().request(SchemaProposalsDocument, { subject, status: 'PENDING' })).schemaProposals;
    expect(pending.map((p) => p.id)).toEqual([proposed.proposal!.id]);
    const approved = (await steward().request(ApproveSchemaChangeDocument, { proposal: proposed.proposal!.id, comment: 'currency defaults to EUR, fine' })).approveSchemaChange;
    expect(approved).toMatchObject({ status: 'APPROVED', decidedBy: 'steward-ana', version: 2, comment: 'currency defaults to EUR, fine' });

    const third = (await producer().request(ProposeSchemaDocument, { subject, schema: V3 })).proposeSchema.proposal!;
    const rejected = (await steward().request(RejectSchemaChangeDocument, { proposal: third.id, comment: 'method belongs in another stream' })).rejectSchemaChange;
    expect(rejected).toMatchObject({ status: 'REJECTED', version: null });
    const again = await errorOf(steward().request(ApproveSchemaChangeDocument, { proposal: third.id }));
    expect(again.extensions?.code).toBe('CONFLICT');

    await steward().request(SetSchemaChangePolicyDocument, { subject, policy: 'LOCKED' });
    expect((await errorOf(producer().request(ProposeSchemaDocument, { subject, schema: V3 }))).extensions?.code).toBe('FORBIDDEN');
    await steward().request(SetSchemaChangePolicyDocument, { subject, policy: 'AUTO' });

    const [listed] = (await gateway.client.request(SchemaSubjectsDocument, {})).schemaSubjects.filter((s) => s.name === subject);
    expect(listed).toMatchObject({ compatibility: 'BACKWARD', policy: 'AUTO', versions: [{ version: 1 }, { version: 2 }] });
  });

  it('warns producers of a DEPRECATED version and refuses an ARCHIVED one at ingest', async () => {
    await steward().request(DeprecateSchemaVersionDocument, { subject, version: 1, reason: 'use version 2' });
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tributary-producer': 'payments-api' },
      body: JSON.stringify({ query: print(IngestDocument), variables: { stream, events: [{ ts: NOW, amount: 3 }], schemaVersion: 1 } }),
    });
    const body = (await response.json()) as { data: { ingest: { accepted: number; warnings: string[] } }; extensions?: { warnings?: string[] } };
    expect(body.data.ingest.accepted).toBe(1);
    expect(body.data.ingest.warnings).toEqual([`${subject} version 1 is DEPRECATED: move producers to a newer version before it is archived and refused`]);
    expect(body.extensions?.warnings).toEqual(body.data.ingest.warnings);
    expect(await gateway.metrics()).toMatch(new RegExp(`tributary_schema_deprecated_events_total\\{subject="${subject}",version="1"\\} 1`));

    await steward().request(ArchiveSchemaVersionDocument, { subject, version: 1, reason: 'no producer left on it' });
    const archived = await errorOf(producer().request(IngestDocument, { stream, events: [{ ts: NOW, amount: 3 }], schemaVersion: 1 }));
    expect(archived.extensions).toMatchObject({ code: 'SCHEMA_ARCHIVED', field: 'schemaVersion' });
    expect(archived.message).toContain(`version 1 of ${subject} is ARCHIVED`);
    // The latest version is still ACTIVE and takes events without a warning.
    expect((await producer().request(IngestDocument, { stream, events: [{ ts: NOW, amount: 3, currency: 'USD' }] })).ingest).toMatchObject({ accepted: 1, warnings: [] });
  });

  it('audits every change with who, when, what and why', async () => {
    const audit = (await gateway.client.request(SchemaAuditDocument, { subject })).schemaAudit;
    expect(audit.map((e) => [e.action, e.actor]).reverse()).toEqual([
      ['PROPOSE_SCHEMA', 'payments-api'],
      ['SET_CHANGE_POLICY', 'steward-ana'],
      ['PROPOSE_SCHEMA', 'payments-api'],
      ['APPROVE_SCHEMA', 'steward-ana'],
      ['PROPOSE_SCHEMA', 'payments-api'],
      ['REJECT_SCHEMA', 'steward-ana'],
      ['SET_CHANGE_POLICY', 'steward-ana'],
      ['SET_CHANGE_POLICY', 'steward-ana'],
      ['SET_VERSION_STATE', 'steward-ana'],
      ['SET_VERSION_STATE', 'steward-ana'],
    ]);
    const newest = audit[0];
    expect(newest).toMatchObject({ subject, version: 1, detail: 'DEPRECATED → ARCHIVED', reason: 'no producer left on it' });
    expect(audit.find((e) => e.action === 'SET_CHANGE_POLICY')?.reason).toBeNull();
    expect(audit.at(-2)).toMatchObject({ action: 'SET_CHANGE_POLICY', reason: 'payments are regulated', detail: 'AUTO → REVIEW' });
  });
});
