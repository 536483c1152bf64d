import { Arg, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { mayControl, mayData, type GraphQLContext } from '../../context';
import { CreateViewInput } from './view.input';
import { View, ViewProgressInfo } from './view.type';

@Resolver(() => View)
export class ViewResolver {
  @Query(() => [View], { description: 'Every view, by name; only those of `stream` when given.' })
  views(@Arg('stream', () => String, { nullable: true }) stream: string | null, @Ctx() ctx: GraphQLContext): View[] {
    mayControl(ctx, 'read_catalog');
    return ctx.services.catalog.views(stream ?? undefined).map(View.from);
  }

  @Query(() => View, { nullable: true })
  view(@Arg('name', () => String) name: string, @Ctx() ctx: GraphQLContext): View | null {
    mayControl(ctx, 'read_catalog');
    const definition = ctx.services.catalog.view(name);
    return definition ? View.from(definition) : null;
  }

  @Mutation(() => View, { description: "Creates a view; it aggregates the stream's history (from `from`, when given) and then every new event." })
  async createView(@Arg('input', () => CreateViewInput) input: CreateViewInput, @Ctx() ctx: GraphQLContext): Promise<View> {
    mayData(ctx, 'VIEW', input.name, 'manage');
    const { from, ...draft } = input;
    return View.from(await ctx.services.catalog.createView({ ...draft, fromMs: from?.getTime() ?? null }, ctx.producer));
  }

  @Mutation(() => View, {
    description:
      "Recomputes a view from the stream's history as its next generation: from `from` when given, from the stream's start when `from` is null, else from the view's own start. Its windows, rows and late events start afresh; queries and live updates show only the new generation's rows, as they are stored. Progress shows how far it has got.",
  })
  async rebuildView(
    @Arg('name', () => String) name: string,
    @Arg('from', () => Date, { nullable: true }) from: Date | null | undefined,
    @Arg('reason', () => String, { nullable: true }) reason: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<View> {
    mayData(ctx, 'VIEW', name, 'manage');
    // Omitted: the view's own start; null: the whole stream; a time: from then.
    const fromMs = from === undefined ? (ctx.services.catalog.view(name)?.fromMs ?? null) : (from?.getTime() ?? null);
    return View.from(await ctx.services.catalog.rebuildView(name, fromMs, ctx.producer, reason ?? undefined));
  }

  @FieldResolver(() => ViewProgressInfo, { nullable: true, description: 'Null while the view\'s job is starting.' })
  progress(@Root() view: View, @Ctx() { services }: GraphQLContext): ViewProgressInfo | null {
    const progress = services.aggregates.progress(view.name);
    if (!progress) return null;
    return Object.assign(new ViewProgressInfo(), {
      processedEvents: progress.processedEvents,
      watermark: progress.watermark === null ? null : new Date(progress.watermark),
      lateEvents: progress.lateEvents,
      duplicateEvents: progress.duplicateEvents,
      lag: progress.lag,
      openWindows: progress.openWindows,
    });
  }
}
