import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, Int, ObjectType } from 'type-graphql';
import type { QuarantineEntry } from '../../../services/quarantine';

@ObjectType({ description: 'An event that was refused, kept with the reason.' })
export class QuarantinedEvent {
  @Field(() => Float, { description: 'Position in the stream\'s quarantine.' })
  offset!: number;

  @Field(() => String)
  stream!: string;

  @Field(() => Int, { description: 'Position in its ingest batch.' })
  index!: number;

  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;

  @Field(() => String, { nullable: true })
  path!: string | null;

  @Field(() => String)
  producer!: string;

  @Field(() => String)
  traceId!: string;

  @Field(() => Date)
  receivedAt!: Date;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The event as received (its first 4 KiB of JSON text when it was too large).' })
  event!: unknown;

  @Field(() => Boolean)
  truncated!: boolean;

  static from(entry: QuarantineEntry): QuarantinedEvent {
    return Object.assign(new QuarantinedEvent(), {
      offset: entry.offset,
      stream: entry.stream,
      index: entry.index,
      code: entry.code,
      message: entry.message,
      path: entry.path ?? null,
      producer: entry.producer,
      traceId: entry.traceId,
      receivedAt: new Date(entry.receivedAt),
      event: entry.raw,
      truncated: entry.truncated,
    });
  }
}
