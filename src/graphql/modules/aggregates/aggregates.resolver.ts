import { Arg, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { WindowRowRecord } from '../../../ports/aggregate-store';
import { mayData, type GraphQLContext } from '../../context';
import { guardedSubscription } from '../../guarded-subscription';
import { LateEvent, LateEvents } from './late-event.type';
import { WindowRow } from './window-row.type';

@Resolver()
export class AggregatesResolver {
  @Query(() => [WindowRow], { description: 'Stored window rows of a view, ordered by window start then key.' })
  async viewAggregates(
    @Arg('view', () => String) view: string,
    @Arg('from', () => Date, { nullable: true, description: 'Windows starting at or after this time.' }) from: Date | null,
    @Arg('to', () => Date, { nullable: true, description: 'Windows starting before this time.' }) to: Date | null,
    @Arg('limit', () => Int, { nullable: true, description: 'At most this many rows (default 1000).' }) limit: number | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WindowRow[]> {
    mayData(ctx, 'VIEW', view, 'query');
    const rows = await ctx.services.aggregates.rows(view, { from, to, limit });
    return rows.map(WindowRow.from);
  }

  @Query(() => LateEvents, {
    description:
      "The view's late side output: events too late for every window holding them (past the allowed lateness), highest log position first. Needs query on the view and consume on its stream.",
  })
  async lateEvents(
    @Arg('view', () => String) view: string,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LateEvents> {
    mayData(ctx, 'VIEW', view, 'query');
    // Late events are whole events of the stream, fields the view never shows included: reading them
    // takes the right to read the stream's events, as the quarantine does.
    const stream = ctx.services.catalog.view(view)?.stream;
    if (stream) mayData(ctx, 'STREAM', stream, 'consume');
    const { total, events } = await ctx.services.aggregates.lateEvents(view, limit);
    return Object.assign(new LateEvents(), { total, events: events.map(LateEvent.from) });
  }

  @Subscription(() => WindowRow, {
    description: 'Each window row of the view as soon as new events change it, once more with final: true when it fires, and again (final, higher revision) for each late event within the allowed lateness.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const allowed = () => mayData(ctx, 'VIEW', args.view as string, 'consume');
      allowed();
      // Rights are checked again while it runs: an ACL that now denies it ends it within seconds.
      return guardedSubscription(ctx.services.aggregates.subscribe(args.view as string), allowed);
    },
  })
  viewUpdates(@Arg('view', () => String) _view: string, @Root() row: WindowRowRecord): WindowRow {
    return WindowRow.from(row);
  }
}
