import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { mayData, type GraphQLContext } from '../../context';
import { QuarantinedEvent } from './quarantine.type';

@Resolver()
export class QuarantineResolver {
  @Query(() => [QuarantinedEvent], { description: 'Rejected events of a stream, newest first.' })
  async quarantine(
    @Arg('stream', () => String) stream: string,
    @Arg('limit', () => Int, { defaultValue: 100, description: 'At most 1000.' }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<QuarantinedEvent[]> {
    mayData(ctx, 'STREAM', stream, 'consume');
    ctx.services.catalog.requireStream(stream);
    const entries = await ctx.services.quarantine.list(stream, limit);
    return entries.map(QuarantinedEvent.from);
  }
}
