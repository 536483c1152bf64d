// Builds the executable schema from the feature modules.

import 'reflect-metadata';
import { DateTimeResolver } from 'graphql-scalars';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AggregatesResolver } from './modules/aggregates/aggregates.resolver';
import { AuditResolver } from './modules/audit/audit.resolver';
import { FaultResolver } from './modules/faults/fault.resolver';
import { IngestResolver } from './modules/ingest/ingest.resolver';
import { LineageResolver } from './modules/lineage/lineage.resolver';
import { QuarantineResolver } from './modules/quarantine/quarantine.resolver';
import { SchemaResolver } from './modules/schemas/schema.resolver';
import { SecurityResolver } from './modules/security/security.resolver';
import { StreamResolver } from './modules/streams/stream.resolver';
import { ViewResolver } from './modules/views/view.resolver';

/**
 * Every subscription here brings its own `subscribe` (backed by the LiveUpdates port), but
 * type-graphql insists on a topic-based PubSub being configured; this one says so if ever used.
 */
const noTopicPubSub: PubSub = {
  publish() {
    throw new Error('topic-based publishing is not used: live updates flow through the LiveUpdates port');
  },
  subscribe() {
    throw new Error('topic-based subscriptions are not used: each @Subscription supplies its own subscribe');
  },
};

export function buildTributarySchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [StreamResolver, ViewResolver, IngestResolver, AggregatesResolver, LineageResolver, QuarantineResolver, SchemaResolver, AuditResolver, SecurityResolver, FaultResolver],
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    pubSub: noTopicPubSub,
  });
}
