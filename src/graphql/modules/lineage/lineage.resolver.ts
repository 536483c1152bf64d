import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { mayControl, type GraphQLContext } from '../../context';
import { LineageDirectionValue, LineageEdgeType, LineageGraphType, LineageNodeType } from './lineage.type';

@Resolver()
export class LineageResolver {
  @Query(() => LineageGraphType, { description: 'The lineage graph around a node, up to `depth` hops away.' })
  async lineage(
    @Arg('node', () => String, { description: 'Node id such as stream:orders or view:orders_per_minute.' }) node: string,
    @Arg('direction', () => LineageDirectionValue, { defaultValue: LineageDirectionValue.BOTH }) direction: LineageDirectionValue,
    @Arg('depth', () => Int, { defaultValue: 3 }) depth: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LineageGraphType> {
    mayControl(ctx, 'read_lineage');
    const graph = await ctx.services.lineage.graph(node, direction, depth);
    return Object.assign(new LineageGraphType(), {
      nodes: graph.nodes.map((n) => Object.assign(new LineageNodeType(), n)),
      edges: graph.edges.map((e) => Object.assign(new LineageEdgeType(), e)),
    });
  }
}
