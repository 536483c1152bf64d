import { GraphQLJSON } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

export enum LineageDirectionValue {
  UPSTREAM = 'UPSTREAM',
  DOWNSTREAM = 'DOWNSTREAM',
  BOTH = 'BOTH',
}

registerEnumType(LineageDirectionValue, {
  name: 'LineageDirection',
  description: 'UPSTREAM: where the data came from. DOWNSTREAM: what depends on it.',
});

@ObjectType('LineageNode')
export class LineageNodeType {
  @Field(() => String, { description: 'Kind and name, e.g. stream:orders, view:orders_per_minute, producer:checkout.' })
  id!: string;

  @Field(() => String, { description: 'producer, stream, field or view.' })
  kind!: string;

  @Field(() => String)
  name!: string;

  @Field(() => GraphQLJSON)
  properties!: Record<string, unknown>;
}

@ObjectType('LineageEdge')
export class LineageEdgeType {
  @Field(() => String)
  from!: string;

  @Field(() => String)
  to!: string;

  @Field(() => String, { description: 'PRODUCES_TO, FEEDS, HAS_FIELD or READS.' })
  kind!: string;

  @Field(() => GraphQLJSON)
  properties!: Record<string, unknown>;
}

@ObjectType('LineageGraph')
export class LineageGraphType {
  @Field(() => [LineageNodeType])
  nodes!: LineageNodeType[];

  @Field(() => [LineageEdgeType])
  edges!: LineageEdgeType[];
}
