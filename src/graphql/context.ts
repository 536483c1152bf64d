// What every resolver receives: the services of this gateway instance and who is calling.

import type { Logger } from '../observability/logger';
import type { Aggregates } from '../services/aggregates';
import type { Faults } from '../services/faults';
import type { Ingest } from '../services/ingest';
import type { Lineage } from '../services/lineage';
import type { Quarantine } from '../services/quarantine';
import type { SchemaRegistry } from '../services/schema-registry';
import type { ControlOperation, DataOperation, Principal, ResourceType } from '../domain/security/authorization';
import type { IncomingMessage } from 'node:http';
import type { Origin, Security } from '../services/security';
import type { StreamsAndViews } from '../services/streams-and-views';

export interface Services {
  catalog: StreamsAndViews;
  ingest: Ingest;
  quarantine: Quarantine;
  lineage: Lineage;
  aggregates: Aggregates;
  schemas: SchemaRegistry;
  security: Security;
  faults: Faults;
}

export interface GraphQLContext {
  services: Services;
  logger: Logger;
  /** Who is calling, as authenticated (an anonymous admin when authentication is off). */
  principal: Principal;
  /** Where the call came from, for the audit trail of refusals. */
  origin: Origin;
  /**
   * The caller's name in lineage and the audit trail: the API key's name, or, with authentication
   * off, the `x-tributary-producer` header ("anonymous" without one).
   */
  producer: string;
  traceparent?: string;
  /** Warnings for the caller, sent in the response's `extensions.warnings`. */
  warnings: string[];
}

type Headers = Record<string, string | string[] | undefined>;

function firstHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function callerFromHeaders(headers: Headers): Pick<GraphQLContext, 'producer' | 'traceparent'> {
  return { producer: firstHeader(headers, 'x-tributary-producer')?.trim() || 'anonymous', traceparent: firstHeader(headers, 'traceparent') };
}

/** The credential a request carries: "Authorization: Bearer <token>", else x-api-key. */
export function credentialOf(headers: Headers): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(firstHeader(headers, 'authorization') ?? '')?.[1];
  return bearer ?? firstHeader(headers, 'x-api-key')?.trim() ?? undefined;
}

/** The credential of a graphql-ws connection: its connection_init payload, { authorization: "Bearer …" } or { apiKey }. */
export function credentialOfConnection(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const text = (name: string) => (typeof params?.[name] === 'string' ? (params[name] as string) : undefined);
  return credentialOf({ authorization: text('authorization'), 'x-api-key': text('apiKey') });
}

/** Where a request came from (the peer's address) and how it reached the gateway (`via`). */
export function originOf(req: IncomingMessage, via: string): Origin {
  return { source: req.socket.remoteAddress ?? 'unknown', via };
}

/** Refuses unless the caller may do `operation` to the stream or view. */
export function mayData(ctx: GraphQLContext, resourceType: ResourceType, resource: string, operation: DataOperation): void {
  ctx.services.security.checkData(ctx.principal, resourceType, resource, operation, ctx.origin);
}

/** Refuses unless the caller's roles allow `operation`. */
export function mayControl(ctx: GraphQLContext, operation: ControlOperation): void {
  ctx.services.security.checkControl(ctx.principal, operation, ctx.origin);
}
