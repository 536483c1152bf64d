// Subscriptions are bounded per graphql-ws connection and per principal: one more is refused with a
// retriable TOO_MANY_SUBSCRIPTIONS, and ending one makes room again.

import { print } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CreateStreamDocument, CreateViewDocument, ViewUpdatesDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

describe('subscription limits', () => {
  let gateway: GatewayProcess;
  let client: Client;
  const view = uniqueName('limited');

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_MAX_SUBSCRIPTIONS_PER_CONNECTION: '2' } });
    const stream = uniqueName('s');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    await gateway.client.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
    client = createClient({ url: gateway.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  });
  afterAll(async () => {
    await client?.dispose();
    await gateway?.stop();
  });

  it('refuses a third subscription on a connection that holds two, until one ends', async () => {
    const errors: unknown[] = [];
    const subscribe = () =>
      client.subscribe({ query: print(ViewUpdatesDocument), variables: { view } }, { next: () => undefined, error: (error) => errors.push(error), complete: () => undefined });
    const first = subscribe();
    subscribe();
    await waitFor(async () => /^tributary_live_subscribers\s+2/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'two subscriptions' });
    subscribe();
    await waitFor(() => errors.length > 0 || undefined, { timeoutMs: 10_000, what: 'the third subscription to be refused' });
    expect(JSON.stringify(errors[0])).toContain('TOO_MANY_SUBSCRIPTIONS');
    expect(JSON.stringify(errors[0])).toContain('already runs 2 subscriptions');

    first();
    await waitFor(async () => /^tributary_live_subscribers\s+1$/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'the first to end' });
    subscribe();
    await waitFor(async () => /^tributary_live_subscribers\s+2/m.test(await gateway.metrics()) || undefined, { timeoutMs: 10_000, what: 'room for another' });
    expect(errors).toHaveLength(1);
  });
});
