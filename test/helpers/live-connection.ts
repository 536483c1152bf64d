// A graphql-ws connection that subscribes to a view's updates and reports how the connection ends,
// for tests of what closes a live connection (refused credentials, revocation, expiry).

import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ViewUpdatesDocument } from '../../src/client/generated/graphql';

export interface WatchedConnection {
  /** Resolves once the server acknowledged the connection. */
  connected: Promise<void>;
  /** Resolves with the close code and reason once the connection ends. */
  closed: Promise<{ code: number; reason: string }>;
}

export function watchViewUpdates(wsUrl: string, view: string, token?: string): WatchedConnection {
  let onConnected!: () => void;
  let onClosed!: (event: { code: number; reason: string }) => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
    ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
    on: { connected: () => onConnected(), closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  client.subscribe({ query: print(ViewUpdatesDocument), variables: { view } }, { next: () => undefined, error: () => undefined, complete: () => undefined });
  return { connected, closed };
}
