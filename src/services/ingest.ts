// The ingest use case: check each event of a batch, wrap the good ones in envelopes and append them
// durably to the stream's log topic, and send the bad ones to quarantine with their reasons.

import { randomBytes } from 'node:crypto';
import { monotonicFactory } from 'ulid';
import type { StreamDefinition } from '../domain/definitions';
import type { Envelope, EventPayload, LoggedEvent, QuarantinedEvent } from '../domain/envelope';
import { compileFieldPath, parseEventTime, readField, readPath } from '../domain/event-fields';
import { eventTopic } from '../domain/topics';
import { GatewayError, type ErrorCode } from '../errors/gateway-error';
import type { Metrics } from '../observability/metrics';
import type { Clock } from '../ports/clock';
import type { EventLog } from '../ports/event-log';
import type { Lineage } from './lineage';
import { DedupKeys } from '../domain/dedup-keys';
import type { Quarantine } from './quarantine';
import { valueSubject, type EventSchemas, type GoverningSchema } from './event-schemas';
import { SchemaRegistryError } from './schema-registry';
import type { StreamsAndViews } from './streams-and-views';

export interface IngestRequest {
  stream: string;
  events: readonly unknown[];
  producer: string;
  /** W3C `traceparent` header of the request, if the producer sent one. */
  traceparent?: string;
  /** The version of the stream's schema the producer writes; the latest when absent. */
  schemaVersion?: number;
  /** The producer's name for this batch: sending it again with the same key (and events in the same order) counts it once. */
  idempotencyKey?: string;
}

export interface EncodedIngestRequest {
  stream: string;
  /** Each one event in Confluent's wire format. */
  messages: readonly Buffer[];
  producer: string;
  traceparent?: string;
  idempotencyKey?: string;
}

/** One event of a request on its way in: decoded, with the schema it is to follow, or already refused. */
interface Candidate {
  event: unknown;
  schema?: GoverningSchema;
  error?: IngestError;
}

export interface IngestError {
  index: number;
  code: ErrorCode;
  message: string;
  path: string;
}

export interface IngestResult {
  accepted: number;
  rejected: number;
  eventIds: string[];
  errors: IngestError[];
  /** Things the producer should act on that did not refuse anything, e.g. a DEPRECATED schema version. */
  warnings: string[];
}

export interface IngestLimits {
  maxEventBytes: number;
  maxBatchEvents: number;
  maxEventTimeAheadMs: number;
  /** Refuse streams that have no schema. */
  requireSchemas: boolean;
  /** Refuse events (retriably) while some view of the stream has more than this many not stored; 0: never. */
  maxProcessingLag?: number;
}

/** How long a producer refused for processing lag is told to wait. */
const BEHIND_RETRY_MS = 1_000;

const IDEMPOTENCY_KEY = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;

/** Deepest nesting of objects and arrays in an event. */
const MAX_EVENT_DEPTH = 64;

/** Whether objects and arrays nest deeper than `max`; walks iteratively, so any depth is safe to ask about. */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** How much of a rejected oversize event the quarantine keeps. */
const KEPT_PREFIX_CHARS = 4_096;
const PRODUCER = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

export class Ingest {
  private readonly nextUlid = monotonicFactory();

  constructor(
    private readonly log: EventLog,
    private readonly catalog: StreamsAndViews,
    private readonly schemas: EventSchemas,
    private readonly quarantine: Quarantine,
    private readonly lineage: Lineage,
    private readonly clock: Clock,
    private readonly metrics: Metrics,
    private readonly limits: IngestLimits,
    /** The most events any view of a stream has yet to store (the processor's lag). */
    private readonly backlog: (stream: string) => number = () => 0,
  ) {}

  async ingest(request: IngestRequest): Promise<IngestResult> {
    const stream = this.admit(request.stream, request.events.length, request.producer, 'events', request.idempotencyKey);
    const schema = this.governingSchema(stream.name, request.schemaVersion);
    return this.accept(stream, request, request.events.map((event) => ({ event, schema })));
  }

  /**
   * Events in Confluent's wire format (magic byte 0, a 4-byte schema id, then the Avro binary or JSON
   * body), each decoded with the version its id names, which must be a version of the stream's subject.
   */
  async ingestEncoded(request: EncodedIngestRequest): Promise<IngestResult> {
    const stream = this.admit(request.stream, request.messages.length, request.producer, 'messages', request.idempotencyKey);
    return this.accept(
      stream,
      request,
      request.messages.map((message, index) => this.decode(stream.name, message, index)),
    );
  }

  /** Checks what every request must satisfy before any event is looked at; resolves the stream. */
  private admit(streamName: string, count: number, producer: string, path: string, idempotencyKey: string | undefined): StreamDefinition {
    const stream = this.catalog.requireStream(streamName);
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new GatewayError('BAD_USER_INPUT', `idempotencyKey must be 1-200 printable ASCII characters; got ${JSON.stringify(idempotencyKey.slice(0, 250))}`, { path: 'idempotencyKey' });
    }
    if (count > this.limits.maxBatchEvents) {
      throw new GatewayError('BATCH_TOO_LARGE', `a batch may hold at most ${this.limits.maxBatchEvents} events; got ${count}. Split it into smaller batches`, { path });
    }
    if (!PRODUCER.test(producer)) {
      throw new GatewayError('BAD_USER_INPUT', `producer name must be 1-128 characters of letters, digits and . _ : -; got ${JSON.stringify(producer)}`, {
        path: 'producer',
      });
    }
    const maxLag = this.limits.maxProcessingLag ?? 0;
    const behind = maxLag > 0 ? this.backlog(stream.name) : 0;
    if (behind > maxLag) {
      // The log could take more, but the views would fall further behind than the operator allows.
      throw new GatewayError('PROCESSING_BEHIND', `the views of stream "${stream.name}" are ${behind} events behind (the limit is ${maxLag}); retry in ${BEHIND_RETRY_MS} ms`, {
        retriable: true,
        details: { retryAfterMs: BEHIND_RETRY_MS, lag: behind },
      });
    }
    return stream;
  }

  private decode(stream: string, message: Buffer, index: number): Candidate {
    const at = `messages[${index}]`;
    const raw = message.toString('base64');
    const refuse = (code: ErrorCode, message: string): Candidate => ({ event: raw, error: { index, code, path: at, message: `${at} ${message}` } });
    if (message.length < 5 || message[0] !== 0) return refuse('INVALID_EVENT', 'is not in Confluent wire format: a magic byte 0, then a 4-byte schema id, then the body');
    const id = message.readInt32BE(1);
    try {
      const schema = this.schemas.governingById(stream, id);
      return { event: schema.decode(message.subarray(5)), schema };
    } catch (error) {
      if (error instanceof GatewayError) return refuse(error.code, error.message);
      throw error;
    }
  }

  private async accept(stream: StreamDefinition, request: { producer: string; traceparent?: string; idempotencyKey?: string }, candidates: readonly Candidate[]): Promise<IngestResult> {
    const started = process.hrtime.bigint();
    const dedupKeys = new DedupKeys(stream.eventIdField);
    const receivedAt = this.clock.now();
    const traceId = TRACEPARENT.exec(request.traceparent ?? '')?.[1] ?? randomBytes(16).toString('hex');
    const accepted: LoggedEvent[] = [];
    const rejected: QuarantinedEvent[] = [];
    const errors: IngestError[] = [];
    const deprecated = new Map<GoverningSchema, number>();

    candidates.forEach(({ event, schema, error }, index) => {
      let problem = error ? { error, keep: { raw: event, truncated: false } } : this.check(event, index, stream.timestampField, receivedAt, schema);
      let dedupKey: string | undefined;
      if (!('error' in problem)) {
        const id = dedupKeys.idOf(event as EventPayload);
        if ('problem' in id) {
          const path = `events[${index}].${stream.eventIdField}`;
          problem = { error: { index, code: 'INVALID_EVENT', path, message: `${path}: ${id.problem}` }, keep: { raw: event, truncated: false } };
        } else {
          dedupKey = 'key' in id ? id.key : request.idempotencyKey === undefined ? undefined : DedupKeys.batch(request.producer, request.idempotencyKey, index);
        }
      }
      if ('error' in problem) {
        errors.push(problem.error);
        rejected.push({
          stream: stream.name,
          index,
          code: problem.error.code,
          message: problem.error.message,
          path: problem.error.path,
          producer: request.producer,
          traceId,
          receivedAt,
          raw: problem.keep.raw,
          truncated: problem.keep.truncated,
        });
        return;
      }
      const envelope: Envelope = {
        eventId: this.nextUlid(receivedAt),
        stream: stream.name,
        traceId,
        producer: request.producer,
        receivedAt,
        eventTime: problem.eventTime,
      };
      if (dedupKey !== undefined) envelope.dedupKey = dedupKey;
      if (schema) {
        envelope.schemaId = schema.id;
        envelope.schemaVersion = schema.version;
        if (schema.deprecated) deprecated.set(schema, (deprecated.get(schema) ?? 0) + 1);
      }
      accepted.push({ envelope, payload: event as EventPayload });
    });

    await Promise.all([
      accepted.length > 0
        ? this.log.append(eventTopic(stream.name), accepted, { keys: partitionKeys(accepted, stream.partitionKey ?? null) })
        : undefined,
      this.quarantine.add(stream.name, rejected),
    ]);
    if (accepted.length > 0) this.lineage.noteProducer(request.producer, stream.name, receivedAt);

    this.metrics.ingestEvents.inc({ stream: stream.name, outcome: 'accepted' }, accepted.length);
    this.metrics.ingestEvents.inc({ stream: stream.name, outcome: 'rejected' }, rejected.length);
    for (const error of errors) this.metrics.ingestRejections.inc({ stream: stream.name, code: error.code });
    this.metrics.ingestDuration.observe(Number(process.hrtime.bigint() - started) / 1e9);
    const warnings: string[] = [];
    for (const [schema, count] of deprecated) {
      this.metrics.deprecatedSchemaUse.inc({ subject: schema.subject, version: String(schema.version) }, count);
      warnings.push(`${schema.subject} version ${schema.version} is DEPRECATED: move producers to a newer version before it is archived and refused`);
    }
    return { accepted: accepted.length, rejected: rejected.length, eventIds: accepted.map((e) => e.envelope.eventId), errors, warnings };
  }

  /** Partitions of the stream's log topic. */
  partitionCount(stream: string): Promise<number> {
    return this.log.partitionCount(eventTopic(stream));
  }

  /** Events accepted into a stream so far. */
  async eventCount(stream: string): Promise<number> {
    const topic = eventTopic(stream);
    const partitions = await this.log.partitionCount(topic);
    const ends = await Promise.all(Array.from({ length: partitions }, (_, partition) => this.log.endOffset(topic, partition)));
    return ends.reduce((sum, end) => sum + end, 0);
  }

  /** The schema version this request's events must follow, if the stream has a schema. */
  private governingSchema(stream: string, version: number | undefined): GoverningSchema | undefined {
    try {
      const schema = this.schemas.governing(stream, version);
      if (!schema && this.limits.requireSchemas) {
        throw new GatewayError('SCHEMA_REQUIRED', `stream "${stream}" has no schema: register one under the subject ${valueSubject(stream)} first (this gateway requires schemas)`, {
          path: 'stream',
        });
      }
      return schema;
    } catch (error) {
      if (error instanceof SchemaRegistryError && version !== undefined) {
        throw new GatewayError('NOT_FOUND', `schemaVersion ${version} does not exist for ${valueSubject(stream)}: ${error.message}`, { path: 'schemaVersion' });
      }
      throw error;
    }
  }

  private check(
    event: unknown,
    index: number,
    timestampField: string,
    receivedAt: number,
    schema: GoverningSchema | undefined,
  ): { eventTime: number } | { error: IngestError; keep: { raw: unknown; truncated: boolean } } {
    const at = `events[${index}]`;
    if (nestedDeeperThan(event, MAX_EVENT_DEPTH)) {
      // Too deep to serialise safely, so it cannot be kept as it came: quarantine says what it was.
      return {
        error: { index, code: 'INVALID_EVENT', path: at, message: `${at} is nested deeper than ${MAX_EVENT_DEPTH} levels` },
        keep: { raw: `(an event nested deeper than ${MAX_EVENT_DEPTH} levels; not kept)`, truncated: true },
      };
    }
    const json = JSON.stringify(event) ?? 'null';
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > this.limits.maxEventBytes) {
      return {
        error: { index, code: 'EVENT_TOO_LARGE', path: at, message: `${at} is ${bytes} bytes of JSON; the limit is ${this.limits.maxEventBytes} bytes` },
        keep: { raw: json.slice(0, KEPT_PREFIX_CHARS), truncated: true },
      };
    }
    const keep = { raw: event, truncated: false };
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      const kind = event === null ? 'null' : Array.isArray(event) ? 'an array' : `a ${typeof event}`;
      return { error: { index, code: 'INVALID_EVENT', path: at, message: `${at} must be a JSON object; got ${kind}` }, keep };
    }
    const tsPath = `${at}.${timestampField}`;
    const raw = readField(event as EventPayload, timestampField);
    if (raw === undefined || raw === null) {
      return {
        error: { index, code: 'MISSING_TIMESTAMP', path: tsPath, message: `${tsPath} is missing; this stream reads event time from "${timestampField}"` },
        keep,
      };
    }
    const eventTime = parseEventTime(raw);
    if (eventTime === undefined) {
      return {
        error: {
          index,
          code: 'INVALID_TIMESTAMP',
          path: tsPath,
          message: `${tsPath} must be epoch milliseconds or an RFC 3339 time with a zone, such as "2026-11-23T10:00:00Z"; got ${JSON.stringify(raw).slice(0, 100)}`,
        },
        keep,
      };
    }
    const ahead = eventTime - receivedAt;
    if (ahead > this.limits.maxEventTimeAheadMs) {
      return {
        error: {
          index,
          code: 'TIMESTAMP_IN_FUTURE',
          path: tsPath,
          message: `${tsPath} is ${new Date(eventTime).toISOString()}, ${Math.round(ahead / 1000)}s ahead of the gateway's clock; the limit is ${Math.round(this.limits.maxEventTimeAheadMs / 1000)}s`,
        },
        keep,
      };
    }
    const violations = schema?.validate(event) ?? [];
    if (violations.length > 0) {
      const [first] = violations;
      const which = `${schema!.subject} version ${schema!.version} (schema id ${schema!.id})`;
      return {
        error: {
          index,
          code: 'SCHEMA_VIOLATION',
          path: `${at}${first.path}`,
          message: `${violations.map((v) => `${at}${v.path} ${v.message}`).join('; ')}, under ${which}`,
        },
        keep,
      };
    }
    return { eventTime };
  }
}

/**
 * Each event's partition key: the value of the stream's key field (strings as they are, other values
 * as JSON); without one, its dedup key (so a repeat lands where the first one did), else its event id.
 */
export function partitionKeys(events: readonly LoggedEvent[], keyField: string | null): string[] {
  const fallback = (event: LoggedEvent) => event.envelope.dedupKey ?? event.envelope.eventId;
  if (keyField === null) return events.map(fallback);
  const path = compileFieldPath(keyField);
  return events.map((event) => {
    const value = readPath(event.payload, path);
    if (value === undefined || value === null) return fallback(event);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

