import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ObjectType } from 'type-graphql';
import type { WindowRowRecord } from '../../../ports/aggregate-store';

@ObjectType({ description: 'Measures of one group key in one event-time window of a view.' })
export class WindowRow {
  @Field(() => String)
  view!: string;

  @Field(() => Date, { description: 'Inclusive.' })
  windowStart!: Date;

  @Field(() => Date, { description: 'Exclusive.' })
  windowEnd!: Date;

  @Field(() => GraphQLJSON, { description: 'Each groupBy field mapped to its value.' })
  key!: Record<string, unknown>;

  @Field(() => GraphQLJSON, { description: 'Each measure name mapped to its value (null when no event had a usable value).' })
  values!: Record<string, number | null>;

  @Field(() => Float)
  eventCount!: number;

  @Field(() => Boolean, { description: 'True once the watermark has passed the window end: the row will not change again.' })
  final!: boolean;

  @Field(() => Boolean, { description: 'A retraction (live updates only): the session window that began here was absorbed into another; remove the row.' })
  retracted!: boolean;

  @Field(() => Float, { description: 'Log position the row reflects; a higher revision supersedes a lower one.' })
  revision!: number;

  static from(record: WindowRowRecord): WindowRow {
    return Object.assign(new WindowRow(), {
      view: record.view,
      windowStart: new Date(record.windowStart),
      windowEnd: new Date(record.windowEnd),
      key: record.key,
      values: record.values,
      eventCount: record.eventCount,
      final: record.final,
      revision: record.revision,
      retracted: record.eventCount === 0,
    });
  }
}
