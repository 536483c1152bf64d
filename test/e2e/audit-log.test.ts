// The control plane's audit trail: every stream, view and registry change with who, when, what and
// why; filtered through GraphQL, exported as NDJSON, and rebuilt identically after a restart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLogDocument, CreateStreamDocument, CreateViewDocument, ProposeSchemaDocument, SetCompatibilityDocument } from '../../src/client/generated/graphql';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

describe('audit log', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('orders');
  const view = uniqueName('per_minute');

  beforeAll(async () => {
    gateway = await startGateway();
    const ana = gateway.clientFor('ana');
    const bo = gateway.clientFor('bo');
    await ana.request(CreateStreamDocument, { input: { name: stream } });
    await bo.request(CreateViewDocument, { input: { name: view, stream, window: '1m', groupBy: ['country'], measures: [{ name: 'n', fn: 'COUNT' }] } });
    await ana.request(ProposeSchemaDocument, { subject: `${stream}-value`, schema: '"string"', reason: 'placeholder' });
    await bo.request(SetCompatibilityDocument, { mode: 'FULL' });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('records each change with its actor, resource and detail, newest first, and filters them', async () => {
    const { auditLog } = await gateway.client.request(AuditLogDocument, {});
    expect(auditLog.map((e) => [e.action, e.actor, e.resource])).toEqual([
      ['SET_COMPATIBILITY', 'bo', 'registry'],
      ['PROPOSE_SCHEMA', 'ana', `subject:${stream}-value`],
      ['CREATE_VIEW', 'bo', `view:${view}`],
      ['CREATE_STREAM', 'ana', `stream:${stream}`],
    ]);
    expect(auditLog.map((e) => e.sequence)).toEqual([4, 3, 2, 1]);
    expect(auditLog[2].detail).toBe(`on stream ${stream}: COUNT() as n by country`);
    expect(auditLog[1]).toMatchObject({ reason: 'placeholder', version: 1 });

    expect((await gateway.client.request(AuditLogDocument, { actor: 'bo' })).auditLog.map((e) => e.action)).toEqual(['SET_COMPATIBILITY', 'CREATE_VIEW']);
    expect((await gateway.client.request(AuditLogDocument, { resource: 'view:' })).auditLog.map((e) => e.resource)).toEqual([`view:${view}`]);
    expect((await gateway.client.request(AuditLogDocument, { limit: 1 })).auditLog.map((e) => e.action)).toEqual(['SET_COMPATIBILITY']);
  });

  it('exports as NDJSON, oldest first, and rebuilds the same trail after a restart', async () => {
    const export1 = await (await fetch(`${gateway.baseUrl}/audit.ndjson`)).text();
    const lines = export1.trim().split('\n').map((line) => JSON.parse(line) as { sequence: number; action: string; at: string });
    expect(lines.map((l) => l.action)).toEqual(['CREATE_STREAM', 'CREATE_VIEW', 'PROPOSE_SCHEMA', 'SET_COMPATIBILITY']);
    expect(Number.isNaN(Date.parse(lines[0].at))).toBe(false);
    const filtered = await fetch(`${gateway.baseUrl}/audit.ndjson?actor=ana`);
    expect(filtered.headers.get('content-type')).toContain('application/x-ndjson');
    expect((await filtered.text()).trim().split('\n')).toHaveLength(2);
    expect((await fetch(`${gateway.baseUrl}/audit.ndjson?since=yesterday`)).status).toBe(400);

    const dataDir = gateway.dataDir;
    await gateway.stop();
    gateway = await startGateway({ dataDir });
    expect(await (await fetch(`${gateway.baseUrl}/audit.ndjson`)).text()).toBe(export1);
  });
});
