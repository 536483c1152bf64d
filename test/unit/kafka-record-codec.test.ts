// How log records look on Kafka: envelope and reasons in headers, the event itself as the value.

import type { KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord, RECORD_HEADERS as H } from '../../src/adapters/kafka/record-codec';
import type { LoggedEvent, QuarantinedEvent } from '../../src/domain/envelope';

/** What a consumer gets back for a produced message: header values arrive as Buffers. */
function roundTrip(message: Message, offset = 7): KafkaMessage {
  const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, Buffer.from(String(value))]));
  return {
    key: message.key === null || message.key === undefined ? null : Buffer.from(message.key),
    value: message.value === null ? null : Buffer.from(message.value),
    headers,
    timestamp: message.timestamp ?? '0',
    attributes: 0,
    offset: String(offset),
    size: 0,
  } as KafkaMessage;
}

const event: LoggedEvent = {
  envelope: { eventId: '01JB0000000000000000000000', stream: 'orders', traceId: 'a'.repeat(32), producer: 'shop', receivedAt: 1_700_000_000_500, eventTime: 1_700_000_000_000, schemaId: 4, schemaVersion: 2, dedupKey: 'batch:checkout-7f3a:3' },
  payload: { country: 'DE', amount: 12.5, items: [{ sku: 'x' }], note: 'zürich 🚀' },
};

describe('Kafka record codec', () => {
  it('puts a logged event in the value and its envelope in headers, leaving the record timestamp to the producer (retention counts from it)', () => {
    const message = encodeRecord(event, 'order-key');
    expect(JSON.parse(String(message.value))).toEqual(event.payload);
    expect(message.key).toBe('order-key');
    expect(message.timestamp).toBeUndefined();
    expect(message.headers).toMatchObject({ [H.eventId]: event.envelope.eventId, [H.stream]: 'orders', [H.eventTime]: '1700000000000', [H.schemaId]: '4', [H.dedupKey]: 'batch:checkout-7f3a:3', 'content-type': 'application/json' });
    expect(decodeRecord(roundTrip(message))).toEqual(event);
  });

  it('keeps where a routed event came from', () => {
    const routed = { partition: 3, offset: 41, event };
    const message = encodeRecord(routed, 'DE');
    expect(message.headers).toMatchObject({ [H.sourcePartition]: '3', [H.sourceOffset]: '41' });
    expect(decodeRecord(roundTrip(message))).toEqual(routed);
  });

  it('writes a router\'s watermark record as an empty value with its source in headers, to the partition named', () => {
    const mark = { partition: 2, watermark: 1_700_000_055_000, idle: false };
    const message = encodeRecord(mark, undefined, 5);
    expect(message).toMatchObject({ value: null, partition: 5, headers: { [H.sourcePartition]: '2', [H.watermark]: '1700000055000', [H.idle]: 'false' } });
    expect(decodeRecord(roundTrip(message))).toEqual(mark);
    const idle = { partition: 0, watermark: null, idle: true };
    expect(decodeRecord(roundTrip(encodeRecord(idle, undefined, 1)))).toEqual(idle);
    expect(encodeRecord(event, 'k', 0).partition).toBe(0);
    expect('partition' in encodeRecord(event, 'k')).toBe(false);
  });

  it('writes a quarantined event as the event received, with the reason in headers (a dead-letter record)', () => {
    const rejected: QuarantinedEvent = {
      stream: 'orders', index: 2, code: 'MISSING_TIMESTAMP', message: 'events[2].ts is missing', path: 'events[2].ts',
      producer: 'shop', traceId: 'b'.repeat(32), receivedAt: 1_700_000_001_000, raw: { amount: 3 }, truncated: false,
    };
    const message = encodeRecord(rejected, undefined);
    expect(JSON.parse(String(message.value))).toEqual({ amount: 3 });
    expect(message.headers).toMatchObject({ [H.errorCode]: 'MISSING_TIMESTAMP', [H.errorPath]: 'events[2].ts', [H.errorIndex]: '2' });
    expect(decodeRecord(roundTrip(message))).toEqual(rejected);
  });

  it('stores anything else as JSON, and keeps a value that is not JSON as base64 instead of dropping it', () => {
    for (const value of [{ command: { type: 'StreamCreated', name: 'orders' } }, [1, 'two', null], 42, 'text', null]) {
      expect(decodeRecord(roundTrip(encodeRecord(value, undefined)))).toEqual(value);
    }
    const foreign = roundTrip({ value: Buffer.from([0, 1, 2, 255]) });
    expect(decodeRecord(foreign)).toEqual({ notJson: Buffer.from([0, 1, 2, 255]).toString('base64') });
  });
});
