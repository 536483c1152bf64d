import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
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
    @Arg('schemaVersion', () => Int, {
      nullable: true,
      description: 'Version of the stream\'s schema (subject "<stream>-value") the events follow; the latest when omitted. A version that does not exist refuses the whole request.',
    })
    schemaVersion: number | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestResult> {
    const result = await ctx.services.ingest.ingest({ stream, events, producer: ctx.producer, traceparent: ctx.traceparent, schemaVersion: schemaVersion ?? undefined });
    ctx.warnings.push(...result.warnings);
    return Object.assign(new IngestResult(), {
      ...result,
      errors: result.errors.map((error) => Object.assign(new IngestError(), error)),
    });
  }
}
