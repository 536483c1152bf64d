import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Why one event of a batch was rejected. The event itself is kept in quarantine.' })
export class IngestError {
  @Field(() => Int, { description: 'Position of the event in the batch.' })
  index!: number;

  @Field(() => String, { description: 'Stable code, e.g. INVALID_EVENT, MISSING_TIMESTAMP, INVALID_TIMESTAMP, EVENT_TOO_LARGE, SCHEMA_VIOLATION.' })
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { description: 'Where in the request the problem is, e.g. events[3].ts.' })
  path!: string;
}

@ObjectType()
export class IngestResult {
  @Field(() => Int)
  accepted!: number;

  @Field(() => Int)
  rejected!: number;

  @Field(() => [String], { description: 'Event ids of the accepted events, in batch order.' })
  eventIds!: string[];

  @Field(() => [IngestError])
  errors!: IngestError[];

  @Field(() => [String], { description: 'Things to act on that refused nothing, e.g. a DEPRECATED schema version. Also in the response extensions.' })
  warnings!: string[];
}
