import { Field, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import type { LateEventRecord } from '../../../ports/aggregate-store';

@ObjectType({ description: "An event a view could not fold: every window holding it had closed longer ago than the view's allowed lateness." })
export class LateEvent {
  @Field(() => String)
  eventId!: string;

  @Field(() => Date, { description: "The event's own time." })
  eventTime!: Date;

  @Field(() => Date, { description: 'The watermark of its partition when it arrived: its windows had ended at or before this, plus the allowed lateness.' })
  watermark!: Date;

  @Field(() => Date, { description: 'When the gateway accepted it.' })
  receivedAt!: Date;

  @Field(() => Date, { description: 'When the processor set it aside.' })
  recordedAt!: Date;

  @Field(() => Int, { description: "Where it sits in the view's input." })
  partition!: number;

  @Field(() => Int)
  offset!: number;

  @Field(() => GraphQLJSON)
  payload!: Record<string, unknown>;

  static from(record: LateEventRecord): LateEvent {
    return Object.assign(new LateEvent(), {
      ...record,
      eventTime: new Date(record.eventTime),
      watermark: new Date(record.watermark),
      receivedAt: new Date(record.receivedAt),
      recordedAt: new Date(record.recordedAt),
    });
  }
}

@ObjectType({ description: "A view's late side output." })
export class LateEvents {
  @Field(() => Int, { description: 'How many events the view has set aside as late, in all.' })
  total!: number;

  @Field(() => [LateEvent], { description: 'The newest of them, newest first.' })
  events!: LateEvent[];
}
