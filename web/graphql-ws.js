// The graphql-ws protocol ("graphql-transport-ws") on the browser's own WebSocket: one connection
// for every subscription, re-established with backoff whenever it drops, and every subscription
// started again once the server has acknowledged the new connection.

import { authorizationHeaders } from './credentials.js';
import { errorFromGraphQL, GraphQLRequestError } from './graphql-http.js';

export const SUBPROTOCOL = 'graphql-transport-ws';

/** Close codes after which trying again cannot help: bad request, unauthorized, forbidden, wrong subprotocol. */
const FATAL_CLOSE_CODES = new Set([4400, 4401, 4403, 4406]);
const ACK_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

/**
 * @typedef {{ state: 'idle'|'connecting'|'live'|'reconnecting'|'failed', retryInMs?: number, attempt?: number, reason?: string }} LiveStatus
 * @typedef {{ next(result): void, error(error: GraphQLRequestError): void, started?(restart: boolean): void }} Sink
 */
export class LiveConnection {
  #url;
  #onStatus;
  #socket = null;
  #acknowledged = false;
  #subscriptions = new Map();
  #nextId = 1;
  #attempt = 0;
  #retryTimer = null;
  #ackTimer = null;

  /** @param {string} url  ws:// or wss:// address of the GraphQL endpoint */
  constructor(url, { onStatus = () => {} } = {}) {
    this.#url = url;
    this.#onStatus = onStatus;
  }

  /**
   * Starts `operation` ({ query, operationName }) and keeps it running across reconnects until the
   * returned function is called. `sink.started(restart)` runs each time the server accepts it.
   */
  subscribe(operation, variables, sink) {
    const id = String(this.#nextId++);
    const subscription = { id, payload: { query: operation.query, operationName: operation.operationName, variables }, sink, starts: 0 };
    this.#subscriptions.set(id, subscription);
    if (this.#acknowledged) this.#start(subscription);
    else this.#connect();
    return () => {
      if (!this.#subscriptions.delete(id)) return;
      if (this.#acknowledged) this.#send({ id, type: 'complete' });
    };
  }

  /** Skips the remaining backoff and connects now (the "Retry now" button). */
  reconnectNow() {
    this.#attempt = 0;
    this.#connect();
  }

  #connect() {
    if (this.#socket) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#status({ state: 'connecting', attempt: this.#attempt });
    const socket = new WebSocket(this.#url, SUBPROTOCOL);
    this.#socket = socket;
    socket.onopen = () => {
      this.#send({ type: 'connection_init', payload: authorizationHeaders() });
      this.#ackTimer = setTimeout(() => socket.close(4504, 'no connection_ack in time'), ACK_TIMEOUT_MS);
    };
    socket.onmessage = (event) => this.#receive(socket, event.data);
    socket.onclose = (event) => this.#closed(socket, event);
  }

  #receive(socket, data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      socket.close(4400, 'message is not JSON');
      return;
    }
    const subscription = message.id === undefined ? undefined : this.#subscriptions.get(message.id);
    switch (message.type) {
      case 'connection_ack':
        clearTimeout(this.#ackTimer);
        this.#acknowledged = true;
        this.#attempt = 0;
        this.#status({ state: 'live' });
        for (const each of this.#subscriptions.values()) this.#start(each);
        return;
      case 'ping':
        this.#send({ type: 'pong' });
        return;
      case 'pong':
        return;
      case 'next':
        subscription?.sink.next(message.payload);
        return;
      case 'error':
        // The server ended this operation; it will not be retried on reconnect.
        this.#subscriptions.delete(message.id);
        subscription?.sink.error(errorFromGraphQL(message.payload));
        return;
      case 'complete':
        this.#subscriptions.delete(message.id);
        return;
      default:
        socket.close(4400, `unexpected message type ${JSON.stringify(message.type)}`);
    }
  }

  #start(subscription) {
    this.#send({ id: subscription.id, type: 'subscribe', payload: subscription.payload });
    subscription.sink.started?.(subscription.starts > 0);
    subscription.starts += 1;
  }

  #closed(socket, event) {
    if (socket !== this.#socket) return;
    clearTimeout(this.#ackTimer);
    this.#socket = null;
    this.#acknowledged = false;
    const reason = event.reason || closeReason(event.code);
    if (FATAL_CLOSE_CODES.has(event.code)) {
      this.#status({ state: 'failed', reason });
      const error = new GraphQLRequestError(`The live connection was refused: ${reason}`, { code: `WS_${event.code}` });
      for (const subscription of this.#subscriptions.values()) subscription.sink.error(error);
      this.#subscriptions.clear();
      return;
    }
    if (this.#subscriptions.size === 0) {
      this.#status({ state: 'idle' });
      return;
    }
    // Exponential backoff with jitter, so many dashboards do not reconnect in lockstep.
    const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.#attempt);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#attempt += 1;
    this.#status({ state: 'reconnecting', retryInMs: delay, attempt: this.#attempt, reason });
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
  }

  #send(message) {
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(message));
  }

  #status(status) {
    this.#onStatus(status);
  }
}

function closeReason(code) {
  if (code === 1006) return 'connection lost';
  if (code === 1001) return 'the gateway is going away';
  if (code === 1000) return 'closed';
  return `closed with code ${code}`;
}
