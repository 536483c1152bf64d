// GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the same port as HTTP.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { GraphQLError, specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../domain/security/authorization';
import { originOf, type GraphQLContext } from './context';
import type { Origin } from '../services/security';

export interface WsEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection made with a credential that no longer holds (4403, with the reason). */
  closeWhere(revoked: (principal: Principal) => string | undefined): void;
  close(): Promise<void>;
}

const VIA = 'graphql-ws';

export interface SubscriptionLimits {
  perConnection: number;
  perPrincipal: number;
}

export function createWsEndpoint(
  schema: GraphQLSchema,
  context: (req: IncomingMessage, principal: Principal, origin: Origin) => GraphQLContext,
  authenticate: (params: Readonly<Record<string, unknown>> | undefined, origin: Origin) => Promise<Principal>,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  extraRules: readonly ValidationRule[],
  limits: SubscriptionLimits,
): WsEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  /** Open, authenticated connections and who they are. */
  const connections = new Map<WebSocket, Principal>();
  /** Operations running on each connection, and how many each principal runs over all of its connections. */
  const running = new Map<WebSocket, Set<string>>();
  const perPrincipal = new Map<string, number>();
  const release = (socket: WebSocket, principal: Principal, id: string) => {
    if (!running.get(socket)?.delete(id)) return;
    const left = (perPrincipal.get(principal.id) ?? 1) - 1;
    if (left > 0) perPrincipal.set(principal.id, left);
    else perPrincipal.delete(principal.id);
  };
  const server = useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket; principal?: Principal }>(
    {
      schema,
      // The credential travels in connection_init; a connection without a valid one is closed (4403).
      onConnect: async (ctx) => {
        try {
          const principal = await authenticate(ctx.connectionParams, originOf(ctx.extra.request, VIA));
          ctx.extra.principal = principal;
          const { socket } = ctx.extra;
          connections.set(socket, principal);
          running.set(socket, new Set());
          socket.once('close', () => {
            connections.delete(socket);
            for (const id of [...(running.get(socket) ?? [])]) release(socket, principal, id);
            running.delete(socket);
          });
          return true;
        } catch {
          return false;
        }
      },
      // Bounded per connection and per principal, so one client cannot hold the gateway's memory.
      onSubscribe: (ctx, id) => {
        const { socket, principal } = ctx.extra;
        const ids = running.get(socket);
        if (!ids || !principal) return undefined;
        const refuse = (message: string) => [new GraphQLError(message, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', retriable: true } })];
        if (ids.size >= limits.perConnection) return refuse(`this connection already runs ${limits.perConnection} subscriptions, the most one may; end one first`);
        if ((perPrincipal.get(principal.id) ?? 0) >= limits.perPrincipal) {
          return refuse(`${principal.name} already runs ${limits.perPrincipal} subscriptions over all its connections, the most it may`);
        }
        ids.add(id);
        perPrincipal.set(principal.id, (perPrincipal.get(principal.id) ?? 0) + 1);
        return undefined;
      },
      onComplete: (ctx, id) => {
        if (ctx.extra.principal) release(ctx.extra.socket, ctx.extra.principal, id);
      },
      validate: (schema, document) => validate(schema, document, [...specifiedRules, ...extraRules]),
      context: (ctx) => context(ctx.extra.request, ctx.extra.principal!, originOf(ctx.extra.request, VIA)),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result,
    },
    wss,
  );
  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    closeWhere(revoked) {
      for (const [socket, principal] of connections) {
        const reason = revoked(principal);
        if (reason === undefined) continue;
        connections.delete(socket);
        socket.close(4403, reason.slice(0, 120)); // a close reason holds at most 123 bytes
      }
    },
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
