import { Arg, Ctx, FieldResolver, Float, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mayControl, mayData, type GraphQLContext } from '../../context';
import { View } from '../views/view.type';
import { CreateStreamInput } from './stream.input';
import { Stream } from './stream.type';

@Resolver(() => Stream)
export class StreamResolver {
  @Query(() => [Stream], { description: 'Every stream, by name.' })
  streams(@Ctx() ctx: GraphQLContext): Stream[] {
    mayControl(ctx, 'read_catalog');
    return ctx.services.catalog.streams().map(Stream.from);
  }

  @Query(() => Stream, { nullable: true })
  stream(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): Stream | null {
    mayControl(ctx, 'read_catalog');
    const definition = ctx.services.catalog.stream(name);
    return definition ? Stream.from(definition) : null;
  }

  @Mutation(() => Stream, { description: 'Creates a stream. Its name is permanent.' })
  async createStream(@Arg('input', () => CreateStreamInput) input: CreateStreamInput, @Ctx() ctx: GraphQLContext): Promise<Stream> {
    mayData(ctx, 'STREAM', input.name, 'manage');
    return Stream.from(await ctx.services.catalog.createStream(input, ctx.producer));
  }

  @FieldResolver(() => [View])
  views(@Root() stream: Stream, @Ctx() { services }: GraphQLContext): View[] {
    return services.catalog.views(stream.name).map(View.from);
  }

  @FieldResolver(() => Int, { description: 'Partitions of the stream\'s log topic as the log reports them.' })
  partitions(@Root() stream: Stream, @Ctx() { services }: GraphQLContext): Promise<number> {
    return services.ingest.partitionCount(stream.name);
  }

  @FieldResolver(() => Float, { description: 'Events accepted into the stream so far.' })
  eventCount(@Root() stream: Stream, @Ctx() { services }: GraphQLContext): Promise<number> {
    return services.ingest.eventCount(stream.name);
  }

  @FieldResolver(() => Int, { description: 'Events rejected at ingest and kept in quarantine.' })
  quarantinedCount(@Root() stream: Stream, @Ctx() { services }: GraphQLContext): Promise<number> {
    return services.quarantine.count(stream.name);
  }
}
