import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MEASURE_FUNCTIONS, type MeasureFunction, type ViewDefinition } from '../../../domain/definitions';
import { formatDuration } from '../../../domain/duration';

export const MeasureFn = Object.fromEntries(MEASURE_FUNCTIONS.map((fn) => [fn, fn])) as { [K in MeasureFunction]: K };

registerEnumType(MeasureFn, {
  name: 'MeasureFn',
  description:
    'Aggregate function of a measure. UNIQ is exact up to 10,000 distinct values per window and key, then a HyperLogLog estimate (about 1% error). P50..P99 are nearest-rank quantiles, exact up to 10,000 values per window and key, then from a DDSketch (1% relative error).',
});

@ObjectType()
export class Measure {
  @Field(() => String)
  name!: string;

  @Field(() => MeasureFn)
  fn!: MeasureFunction;

  @Field(() => String, { nullable: true, description: 'Event field the measure reads; null for COUNT.' })
  field!: string | null;
}

@ObjectType({ description: 'How far a view\'s processing has got.' })
export class ViewProgressInfo {
  @Field(() => Float, { description: 'Events of the stream already folded into stored aggregates.' })
  processedEvents!: number;

  @Field(() => Date, { nullable: true, description: 'The lowest watermark of the partitions: every window ending at or before it has fired (rows final).' })
  watermark!: Date | null;

  @Field(() => Float, { description: 'Events too late for every window holding them (past the allowed lateness): left out, kept in lateEvents(view).' })
  lateEvents!: number;

  @Field(() => Float, { description: 'Events skipped as repeats of one already counted (same event id or idempotency key, within the stream\'s dedup horizon).' })
  duplicateEvents!: number;

  @Field(() => Int, { description: 'Windows held in memory: open ones, and fired ones kept for late events.' })
  openWindows!: number;

  @Field(() => Float, {
    description: 'Events in the log this instance has not folded into stored aggregates yet (read from the log every second). Ingest answers PROCESSING_BEHIND while it is above TRIBUTARY_MAX_PROCESSING_LAG.',
  })
  lag!: number;
}

@ObjectType({ description: 'Windowed aggregates of a stream: measures per group key per event-time window.' })
export class View {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  stream!: string;

  @Field(() => String)
  description!: string;

  @Field(() => String, { description: 'Window size, e.g. "1m"; for session windows, the gap.' })
  window!: string;

  @Field(() => String, { nullable: true, description: 'Slide of hopping windows; null for tumbling windows.' })
  hop!: string | null;

  @Field(() => String, { nullable: true, description: 'The gap that ends a session, for session windows; null for fixed windows.' })
  session!: string | null;

  @Field(() => String, { description: 'How long after closing a window still takes late events, e.g. "30s"; "0ms" when it takes none.' })
  allowedLateness!: string;

  @Field(() => Date, { nullable: true, description: "Events before this event time are left out; null: the stream's whole history." })
  from!: Date | null;

  @Field(() => Int, { description: 'How many times the view has been rebuilt (rebuildView); rows and late events are those of this generation.' })
  generation!: number;

  @Field(() => [String])
  groupBy!: string[];

  @Field(() => [Measure])
  measures!: Measure[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String)
  createdBy!: string;

  static from(definition: ViewDefinition): View {
    return Object.assign(new View(), {
      name: definition.name,
      stream: definition.stream,
      description: definition.description,
      window: formatDuration(definition.windowMs),
      hop: definition.hopMs === null ? null : formatDuration(definition.hopMs),
      allowedLateness: formatDuration(definition.allowedLatenessMs ?? 0),
      session: definition.sessionGapMs == null ? null : formatDuration(definition.sessionGapMs),
      from: definition.fromMs == null ? null : new Date(definition.fromMs),
      generation: definition.generation ?? 0,
      groupBy: definition.groupBy,
      measures: definition.measures.map((m) => Object.assign(new Measure(), { name: m.name, fn: m.fn, field: m.field ?? null })),
      createdAt: new Date(definition.createdAt),
      createdBy: definition.createdBy,
    });
  }
}
