// The envelope every accepted event travels in, from the ingest mutation to the aggregates.

export interface Envelope {
  /** ULID: unique, and sortable by the time it was assigned. */
  eventId: string;
  stream: string;
  /** W3C trace id (32 lowercase hex digits), taken from `traceparent` when the producer sent one. */
  traceId: string;
  producer: string;
  /** Epoch milliseconds when the gateway accepted the event. */
  receivedAt: number;
  /** Epoch milliseconds read from the stream's timestamp field. */
  eventTime: number;
  schemaId?: number;
  schemaVersion?: number;
  /**
   * What makes a repeat of this event recognizable: "id:<value>" from the stream's eventIdField, or
   * "batch:<idempotency key>:<index in the batch>". Views count each dedup key once within the
   * stream's dedup horizon. Absent: the event is never taken for a repeat.
   */
  dedupKey?: string;
}

export type EventPayload = Record<string, unknown>;

/** What one record of a stream's event topic holds. */
export interface LoggedEvent {
  envelope: Envelope;
  payload: EventPayload;
}

/** An event on a view's repartition topic, with where it came from in the stream's topic. */
export interface RoutedEvent {
  partition: number;
  offset: number;
  event: LoggedEvent;
}

/**
 * A router's word, on every partition of a view's repartition topic, about its source partition:
 * the watermark of the events it has sent, or that the partition is idle (stream/watermarks.ts).
 */
export interface RoutedWatermark {
  partition: number;
  /** The source partition's watermark; null only in an idle record of a partition that never had an event. */
  watermark: number | null;
  idle: boolean;
}

/** What a view's repartition topic holds. */
export type RoutedRecord = RoutedEvent | RoutedWatermark;

export function isRoutedWatermark(value: unknown): value is RoutedWatermark {
  const record = value as RoutedWatermark | null;
  return (
    typeof record === 'object' &&
    record !== null &&
    Number.isInteger(record.partition) &&
    typeof record.idle === 'boolean' &&
    (record.watermark === null || Number.isFinite(record.watermark))
  );
}

/** True for a record that carries Tributary's envelope (not one another producer wrote). */
export function isLoggedEvent(value: unknown): value is LoggedEvent {
  const event = value as LoggedEvent | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.envelope?.eventId === 'string' &&
    typeof event.envelope.eventTime === 'number' &&
    typeof event.payload === 'object' &&
    event.payload !== null
  );
}

/** What one record of a stream's quarantine topic holds: the event as sent, and why it was refused. */
export interface QuarantinedEvent {
  stream: string;
  /** Position in the ingest batch, or -1 when refused later (for example by the processor). */
  index: number;
  code: string;
  message: string;
  path?: string;
  producer: string;
  traceId: string;
  receivedAt: number;
  /** The event as received: any JSON value, possibly truncated when it was too large to keep. */
  raw: unknown;
  truncated: boolean;
}
