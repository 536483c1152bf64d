// GraphQL subscriptions over WebSocket (the graphql-ws protocol) on the same port as HTTP.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { specifiedRules, validate, type GraphQLFormattedError, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Principal } from '../domain/security/authorization';
import type { GraphQLContext } from './context';

export interface WsEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
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
  const server = useServer<Record<string, unknown>, { request: IncomingMessage; principal?: Principal }>(
    {
      schema,
      // The credential travels in connection_init; a connection without a valid one is closed (4403).
      onConnect: (ctx) => {
        try {
          ctx.extra.principal = authenticate(ctx.connectionParams);
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
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
