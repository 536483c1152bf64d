import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Ctx, Int, Mutation, Resolver } from 'type-graphql';
import { GatewayError } from '../../../errors/gateway-error';
import type { IngestResult as IngestOutcome } from '../../../services/ingest';
import { mayData, type GraphQLContext } from '../../context';
import { IngestError, IngestResult } from './ingest.type';

const IDEMPOTENCY_KEY_DESCRIPTION =
  "Your name for this batch (1-200 printable characters), per producer. Sending the batch again with the same key and the events in the same order counts each event once in every view, within the stream's dedupHorizon; the log keeps both copies.";

@Resolver()
export class IngestResolver {
  @Mutation(() => IngestResult, {
    description:
      'Appends events to a stream. Returns once the accepted events are durable; rejected events are reported one by one and kept in quarantine.',
  })
  async ingest(
    @Arg('stream', () => String) stream: string,
    @Arg('events', () => [GraphQLJSON]) events: unknown[],
    @Arg('schemaVersion', () => Int, {
      nullable: true,
      description: 'Version of the stream\'s schema (subject "<stream>-value") the events follow; the latest when omitted. A version that does not exist refuses the whole request.',
    })
    schemaVersion: number | null | undefined,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestResult> {
    mayData(ctx, 'STREAM', stream, 'produce');
    const result = await ctx.services.ingest.ingest({ stream, events, producer: ctx.producer, traceparent: ctx.traceparent, schemaVersion: schemaVersion ?? undefined, idempotencyKey: idempotencyKey ?? undefined });
    return respond(ctx, result);
  }

  @Mutation(() => IngestResult, {
    description:
      'Appends events sent in Confluent\'s wire format (magic byte 0, 4-byte schema id, Avro binary or JSON body), each base64-encoded. The id must name a version of the stream\'s subject "<stream>-value".',
  })
  async ingestEncoded(
    @Arg('stream', () => String) stream: string,
    @Arg('messages', () => [String], { description: 'Base64 of each wire-format message.' }) messages: string[],
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description: IDEMPOTENCY_KEY_DESCRIPTION,
    })
    idempotencyKey: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<IngestResult> {
    mayData(ctx, 'STREAM', stream, 'produce');
    const decoded = messages.map((message, index) => {
      if (!BASE64.test(message) || message.length % 4 !== 0) {
        throw new GatewayError('BAD_USER_INPUT', `messages[${index}] is not base64`, { path: `messages[${index}]` });
      }
      return Buffer.from(message, 'base64');
    });
    return respond(ctx, await ctx.services.ingest.ingestEncoded({ stream, messages: decoded, producer: ctx.producer, traceparent: ctx.traceparent, idempotencyKey: idempotencyKey ?? undefined }));
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function respond(ctx: GraphQLContext, result: IngestOutcome): IngestResult {
  ctx.warnings.push(...result.warnings);
  return Object.assign(new IngestResult(), {
    ...result,
    errors: result.errors.map((error) => Object.assign(new IngestError(), error)),
  });
}
