import { Field, InputType } from 'type-graphql';
import type { MeasureFunction } from '../../../domain/definitions';
import { MeasureFn } from './view.type';

@InputType()
export class MeasureInput {
  @Field(() => String)
  name!: string;

  @Field(() => MeasureFn)
  fn!: MeasureFunction;

  @Field(() => String, { nullable: true, description: 'Event field to aggregate; required for every fn but COUNT.' })
  field?: string | null;
}

@InputType()
export class CreateViewInput {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  stream!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'Window size: a duration such as "10s", "1m", "1h" (tumbling, or hopping with hop). Omit for session windows.' })
  window?: string | null;

  @Field(() => String, { nullable: true, description: 'Slide for hopping windows; omit for tumbling windows.' })
  hop?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Session windows instead of fixed ones: the gap of event time without events of a group key that ends its session, e.g. "30m" (at most "1d"). A session row runs from its first event to its last plus the gap; sessions that grow together merge, and the row of a session absorbed into another is retracted (eventCount 0).',
  })
  session?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'How long after a window closes (in event time, as the watermark moves) it still takes late events: each one updates the window and emits a corrected final row with a higher revision. Later events go to lateEvents(view). Default "0s"; at most "7d".',
  })
  allowedLateness?: string | null;

  @Field(() => Date, { nullable: true, description: "Leave out events before this event time (a view of recent history only); default: the stream's whole history." })
  from?: Date | null;

  @Field(() => [String], { defaultValue: [] })
  groupBy!: string[];

  @Field(() => [MeasureInput])
  measures!: MeasureInput[];
}
