// How Tributary's log records look on Kafka, so other Kafka tools can read them: a logged event is
// its payload as JSON in the value, with the envelope (event time included) in `tributary.*` headers;
// the record timestamp is left to the producer (the time of writing), because Kafka's time retention
// counts from it: stamped with event times, a backfill of last month's events would be deleted by the
// broker within minutes of being written, and routed copies of old events likewise. A quarantined event is the event as received, with the reason in headers (a
// dead-letter topic); a routed event adds where it came from; a router's watermark record is an empty
// value with its source partition, watermark and idleness in headers. Anything else is JSON in the value.

import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { isLoggedEvent, isRoutedWatermark, type Envelope, type LoggedEvent, type QuarantinedEvent, type RoutedEvent, type RoutedWatermark } from '../../domain/envelope';

const H = {
  contentType: 'content-type',
  eventId: 'tributary.event-id',
  stream: 'tributary.stream',
  traceId: 'tributary.trace-id',
  producer: 'tributary.producer',
  receivedAt: 'tributary.received-at',
  eventTime: 'tributary.event-time',
  schemaId: 'tributary.schema-id',
  schemaVersion: 'tributary.schema-version',
  dedupKey: 'tributary.dedup-key',
  sourcePartition: 'tributary.source-partition',
  sourceOffset: 'tributary.source-offset',
  watermark: 'tributary.watermark',
  idle: 'tributary.idle',
  errorCode: 'tributary.error.code',
  errorMessage: 'tributary.error.message',
  errorPath: 'tributary.error.path',
  errorIndex: 'tributary.error.index',
  truncated: 'tributary.truncated',
} as const;

export const RECORD_HEADERS = H;

const JSON_TYPE = 'application/json';

/** The Kafka message of a log record; `partition` overrides the one its key would pick. */
export function encodeRecord(value: unknown, key: string | undefined, partition?: number): Message {
  const message = encodeValue(value, key);
  return partition === undefined ? message : { ...message, partition };
}

function encodeValue(value: unknown, key: string | undefined): Message {
  if (isRoutedWatermark(value)) {
    const headers: IHeaders = { [H.sourcePartition]: String(value.partition), [H.idle]: String(value.idle) };
    if (value.watermark !== null) headers[H.watermark] = String(value.watermark);
    return { key: key ?? null, value: null, headers };
  }
  if (isRoutedEvent(value)) {
    return {
      key: key ?? null,
      value: JSON.stringify(value.event.payload),
      headers: {
        ...envelopeHeaders(value.event.envelope),
        [H.sourcePartition]: String(value.partition),
        [H.sourceOffset]: String(value.offset),
      },
    };
  }
  if (isLoggedEvent(value)) {
    return { key: key ?? null, value: JSON.stringify(value.payload), headers: envelopeHeaders(value.envelope) };
  }
  if (isQuarantined(value)) {
    const headers: IHeaders = {
      [H.contentType]: JSON_TYPE,
      [H.errorCode]: value.code,
      [H.errorMessage]: value.message,
      [H.errorIndex]: String(value.index),
      [H.stream]: value.stream,
      [H.producer]: value.producer,
      [H.traceId]: value.traceId,
      [H.receivedAt]: String(value.receivedAt),
      [H.truncated]: String(value.truncated),
    };
    if (value.path !== undefined) headers[H.errorPath] = value.path;
    return { key: key ?? null, value: JSON.stringify(value.raw ?? null), headers };
  }
  return { key: key ?? null, value: JSON.stringify(value ?? null), headers: { [H.contentType]: JSON_TYPE } };
}

/** Decodes a record written by `encodeRecord`, or by another producer (its value as JSON). */
export function decodeRecord(message: KafkaMessage): unknown {
  const headers = message.headers ?? {};
  const idle = header(headers, H.idle);
  if (idle !== undefined) {
    const watermark = header(headers, H.watermark);
    return { partition: Number(header(headers, H.sourcePartition)), watermark: watermark === undefined ? null : Number(watermark), idle: idle === 'true' } satisfies RoutedWatermark;
  }
  const value = parseValue(message.value);
  if (header(headers, H.eventId) !== undefined) {
    const event: LoggedEvent = { envelope: envelopeOf(headers), payload: value as LoggedEvent['payload'] };
    const partition = header(headers, H.sourcePartition);
    if (partition === undefined) return event;
    return { partition: Number(partition), offset: Number(header(headers, H.sourceOffset)), event } satisfies RoutedEvent;
  }
  const code = header(headers, H.errorCode);
  if (code !== undefined) {
    const quarantined: QuarantinedEvent = {
      stream: header(headers, H.stream) ?? '',
      index: Number(header(headers, H.errorIndex) ?? -1),
      code,
      message: header(headers, H.errorMessage) ?? '',
      producer: header(headers, H.producer) ?? '',
      traceId: header(headers, H.traceId) ?? '',
      receivedAt: Number(header(headers, H.receivedAt) ?? 0),
      raw: value,
      truncated: header(headers, H.truncated) === 'true',
    };
    const path = header(headers, H.errorPath);
    if (path !== undefined) quarantined.path = path;
    return quarantined;
  }
  return value;
}

function envelopeHeaders(envelope: Envelope): IHeaders {
  const headers: IHeaders = {
    [H.contentType]: JSON_TYPE,
    [H.eventId]: envelope.eventId,
    [H.stream]: envelope.stream,
    [H.traceId]: envelope.traceId,
    [H.producer]: envelope.producer,
    [H.receivedAt]: String(envelope.receivedAt),
    [H.eventTime]: String(envelope.eventTime),
  };
  if (envelope.schemaId !== undefined) headers[H.schemaId] = String(envelope.schemaId);
  if (envelope.schemaVersion !== undefined) headers[H.schemaVersion] = String(envelope.schemaVersion);
  if (envelope.dedupKey !== undefined) headers[H.dedupKey] = envelope.dedupKey;
  return headers;
}

function envelopeOf(headers: IHeaders): Envelope {
  const envelope: Envelope = {
    eventId: header(headers, H.eventId) ?? '',
    stream: header(headers, H.stream) ?? '',
    traceId: header(headers, H.traceId) ?? '',
    producer: header(headers, H.producer) ?? '',
    receivedAt: Number(header(headers, H.receivedAt) ?? 0),
    eventTime: Number(header(headers, H.eventTime) ?? 0),
  };
  const schemaId = header(headers, H.schemaId);
  const schemaVersion = header(headers, H.schemaVersion);
  if (schemaId !== undefined) envelope.schemaId = Number(schemaId);
  if (schemaVersion !== undefined) envelope.schemaVersion = Number(schemaVersion);
  const dedupKey = header(headers, H.dedupKey);
  if (dedupKey !== undefined) envelope.dedupKey = dedupKey;
  return envelope;
}

function header(headers: IHeaders, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** JSON values; a value that is not JSON is kept as its bytes in base64, so nothing is dropped. */
function parseValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return { notJson: value.toString('base64') };
  }
}

function isRoutedEvent(value: unknown): value is RoutedEvent {
  const routed = value as RoutedEvent | null;
  return typeof routed === 'object' && routed !== null && Number.isInteger(routed.partition) && Number.isInteger(routed.offset) && isLoggedEvent(routed.event);
}

function isQuarantined(value: unknown): value is QuarantinedEvent {
  const event = value as QuarantinedEvent | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.code === 'string' &&
    typeof event.message === 'string' &&
    typeof event.stream === 'string' &&
    'raw' in event &&
    typeof event.truncated === 'boolean'
  );
}
