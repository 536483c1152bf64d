import { Field, Int, ObjectType } from 'type-graphql';
import { DEFAULT_DEDUP_HORIZON_MS, streamIdleTimeoutMs, type StreamDefinition } from '../../../domain/definitions';
import { formatDuration } from '../../../domain/duration';

@ObjectType({ description: 'A named flow of events that share a timestamp field; the source of views.' })
export class Stream {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => String, { description: 'Event field holding the event time: epoch milliseconds or an RFC 3339 string with a zone.' })
  timestampField!: string;

  @Field(() => String, { description: 'How far the watermark trails the newest event time, e.g. "5s".' })
  watermarkDelay!: string;

  @Field(() => String, { nullable: true, description: 'Event field whose value picks the partition; null: the event id.' })
  partitionKey!: string | null;

  @Field(() => Int, { nullable: true, description: 'Replication factor asked for at creation; null: the server setting, -1: the cluster\'s default.' })
  replicationFactor!: number | null;

  @Field(() => String, { nullable: true, description: "Event field holding the producer's own event id, by which repeats are counted once; null: none." })
  eventIdField!: string | null;

  @Field(() => String, { description: 'Event-time span over which repeated event ids and idempotency keys are recognized.' })
  dedupHorizon!: string;

  @Field(() => String, { description: 'How long a partition without new records holds back the watermark of views over several partitions.' })
  idleTimeout!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String)
  createdBy!: string;

  static from(definition: StreamDefinition): Stream {
    return Object.assign(new Stream(), {
      name: definition.name,
      description: definition.description,
      timestampField: definition.timestampField,
      watermarkDelay: formatDuration(definition.watermarkDelayMs),
      partitionKey: definition.partitionKey ?? null,
      replicationFactor: definition.replicationFactor ?? null,
      eventIdField: definition.eventIdField ?? null,
      dedupHorizon: formatDuration(definition.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS),
      idleTimeout: formatDuration(streamIdleTimeoutMs(definition)),
      createdAt: new Date(definition.createdAt),
      createdBy: definition.createdBy,
    });
  }
}
