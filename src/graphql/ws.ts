// GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the same port as HTTP.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../domain/security/authorization';
import type { GraphQLContext } from './context';

export interface WsEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection made with a credential that no longer holds (4403, with the reason). */
  closeWhere(revoked: (principal: Principal) => string | undefined): void;
  close(): Promise<void>;
}

export function createWsEndpoint(
  schema: GraphQLSchema,
  context: (req: IncomingMessage, principal: Principal) => GraphQLContext,
  authenticate: (params: Readonly<Record<string, unknown>> | undefined) => Principal,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  extraRules: readonly ValidationRule[],
): WsEndpoint {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  /** Open, authenticated connections and who they are. */
  const connections = new Map<WebSocket, Principal>();
  const server = useServer<Record<string, unknown>, { request: IncomingMessage; socket: WebSocket; principal?: Principal }>(
    {
      schema,
      // The credential travels in connection_init; a connection without a valid one is closed (4403).
      onConnect: (ctx) => {
        try {
          const principal = authenticate(ctx.connectionParams);
          ctx.extra.principal = principal;
          connections.set(ctx.extra.socket, principal);
          ctx.extra.socket.once('close', () => connections.delete(ctx.extra.socket));
          return true;
        } catch {
          return false;
        }
      },
      validate: (schema, document) => validate(schema, document, [...specifiedRules, ...extraRules]),
      context: (ctx) => context(ctx.extra.request, ctx.extra.principal!),
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
