// What every resolver receives: the services of this gateway instance and who is calling.

import type { Logger } from '../observability/logger';
import type { Aggregates } from '../services/aggregates';
import type { Ingest } from '../services/ingest';
import type { Lineage } from '../services/lineage';
import type { Quarantine } from '../services/quarantine';
import type { SchemaRegistry } from '../services/schema-registry';
import type { StreamsAndViews } from '../services/streams-and-views';

export interface Services {
  catalog: StreamsAndViews;
  ingest: Ingest;
  quarantine: Quarantine;
  lineage: Lineage;
  aggregates: Aggregates;
  schemas: SchemaRegistry;
}

export interface GraphQLContext {
  services: Services;
  logger: Logger;
  /** Producer name: the `x-tributary-producer` header, or "anonymous" until authentication exists. */
  producer: string;
  traceparent?: string;
  /** Warnings for the caller, sent in the response's `extensions.warnings`. */
  warnings: string[];
}

type Headers = Record<string, string | string[] | undefined>;

export function callerFromHeaders(headers: Headers): Pick<GraphQLContext, 'producer' | 'traceparent'> {
  const first = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  return { producer: first('x-tributary-producer')?.trim() || 'anonymous', traceparent: first('traceparent') };
}
