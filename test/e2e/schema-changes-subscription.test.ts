// Dashboards follow the registry live: the schemaChanges subscription (graphql-ws) delivers each
// change of the subject it names as it is applied, and nothing of other subjects.

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  DeprecateSchemaVersionDocument,
  ProposeSchemaDocument,
  SchemaChangesDocument,
  SetSchemaChangePolicyDocument,
  type SchemaChangesSubscription,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

describe('schemaChanges subscription', () => {
  let gateway: GatewayProcess;
  let ws: Client | undefined;

  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await ws?.dispose();
    await gateway?.stop();
  });

  it('delivers each change of the subscribed subject as it is applied', async () => {
    const subject = `${uniqueName('orders')}-value`;
    const other = `${uniqueName('clicks')}-value`;
    const received: SchemaChangesSubscription['schemaChanges'][] = [];
    ws = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    ws.subscribe<SchemaChangesSubscription>(
      { query: print(SchemaChangesDocument), variables: { subject } },
      { next: (result) => result.data && received.push(result.data.schemaChanges), error: (error) => received.push({ action: `ERROR ${JSON.stringify(error)}` } as never), complete: () => undefined },
    );
    // The subscription starts a moment after the request: make harmless changes (setting the
    // policy it already has) until one arrives, then watch the real ones.
    await waitFor(
      async () => {
        await gateway.clientFor('warm-up').request(SetSchemaChangePolicyDocument, { subject, policy: 'AUTO' });
        return received.length > 0 || undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'the subscription to deliver a change' },
    );
    const schema = JSON.stringify({ type: 'record', name: 'O', fields: [{ name: 'ts', type: 'long' }] });
    await gateway.clientFor('team-orders').request(ProposeSchemaDocument, { subject: other, schema });
    await gateway.clientFor('team-orders').request(ProposeSchemaDocument, { subject, schema, reason: 'first version' });
    await gateway.clientFor('steward').request(DeprecateSchemaVersionDocument, { subject, version: 1, reason: 'v2 coming' });
    const real = () => received.filter((e) => e.actor !== 'warm-up');
    await waitFor(() => real().length >= 2 || undefined, { timeoutMs: 10_000, what: 'the second change' });
    expect(real().map((e) => [e.action, e.actor, e.subject, e.version])).toEqual([
      ['PROPOSE_SCHEMA', 'team-orders', subject, 1],
      ['SET_VERSION_STATE', 'steward', subject, 1],
    ]);
    expect(real()[1]).toMatchObject({ detail: 'ACTIVE → DEPRECATED', reason: 'v2 coming' });
  });
});
