import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../context';
import { IngestError, IngestResult } from './ingest.type';

@Resolver()
export class IngestResolver {
  @Mutation(() => IngestResult, {
    description:
      'Appends events to a stream. Returns once the accepted events are durable; rejected events are reported one by one and kept in quarantine.',
  })
  async ingest(
    @Arg('stream', () => String) stream: string,
    @Arg('events', () => [GraphQLJSON]) events: unknown[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestResult> {
    const result = await ctx.services.ingest.ingest({ stream, events, producer: ctx.producer, traceparent: ctx.traceparent });
    return Object.assign(new IngestResult(), {
      ...result,
      errors: result.errors.map((error) => Object.assign(new IngestError(), error)),
    });
  }
}
