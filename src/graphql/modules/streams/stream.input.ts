import { Field, InputType, Int } from 'type-graphql';

@InputType()
export class CreateStreamInput {
  @Field(() => String, { description: 'Lowercase letters, digits and _, starting with a letter (at most 63).' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { defaultValue: 'ts', description: 'Field (or dotted path) holding each event\'s time.' })
  timestampField!: string;

  @Field(() => String, { nullable: true, description: 'Watermark delay such as "5s"; defaults to the server setting.' })
  watermarkDelay?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Event field (or dotted path) whose value picks the partition, so events with equal values keep their order. Default: the event id, which spreads events evenly.',
  })
  partitionKey?: string | null;

  @Field(() => Int, { nullable: true, description: 'Partitions of the stream\'s log topic (1-1024); defaults to the server setting. The embedded log always has one.' })
  partitions?: number | null;

  @Field(() => Int, { nullable: true, description: 'Replicas of each partition, or -1 for the cluster\'s default; defaults to the server setting. Ignored by the embedded log.' })
  replicationFactor?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Event field (or dotted path) holding the producer's own id for each event: events that repeat an id within dedupHorizon are counted once by every view. Without one, only batches sent with ingest(idempotencyKey:) are deduplicated.",
  })
  eventIdField?: string | null;

  @Field(() => String, { nullable: true, description: 'Event-time span over which a repeated event id or idempotency key is recognized, e.g. "1h" (the default); at most "7d".' })
  dedupHorizon?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'How long a partition of the stream may get no new records before views over several partitions stop waiting for it to close windows, e.g. "1m" (the default); at most "1d". The embedded log has one partition, so it never waits.',
  })
  idleTimeout?: string | null;
}
