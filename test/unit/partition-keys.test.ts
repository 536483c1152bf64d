import { describe, expect, it } from 'vitest';
import type { LoggedEvent } from '../../src/domain/envelope';
import { partitionKeys } from '../../src/services/ingest';

function logged(eventId: string, payload: Record<string, unknown>): LoggedEvent {
  return { envelope: { eventId, stream: 'orders', traceId: 't', producer: 'p', receivedAt: 0, eventTime: 0 }, payload };
}

describe('partition keys', () => {
  const events = [
    logged('01A', { customer: { id: 'c-7' } }),
    logged('01B', { customer: { id: 42 } }),
    logged('01C', { customer: {} }),
    logged('01D', { customer: { id: null } }),
    logged('01E', { customer: { id: { region: 'eu', n: 1 } } }),
  ];

  it('uses the event id when the stream names no key field', () => {
    expect(partitionKeys(events, null)).toEqual(['01A', '01B', '01C', '01D', '01E']);
  });

  it('uses the key field: strings as they are, other values as JSON, the event id when it is missing or null', () => {
    expect(partitionKeys(events, 'customer.id')).toEqual(['c-7', '42', '01C', '01D', '{"region":"eu","n":1}']);
  });

  it('gives equal values equal keys, so they share a partition', () => {
    const keys = partitionKeys([logged('1', { user: 'u1' }), logged('2', { user: 'u2' }), logged('3', { user: 'u1' })], 'user');
    expect(keys[0]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('uses the dedup key before the event id, so a repeated event lands where the first one did', () => {
    const retried = { ...logged('01F', { customer: {} }), envelope: { ...logged('01F', {}).envelope, dedupKey: 'batch:k:0' } };
    const again = { ...retried, envelope: { ...retried.envelope, eventId: '01G' } };
    expect(partitionKeys([retried, again], null)).toEqual(['batch:k:0', 'batch:k:0']);
    expect(partitionKeys([retried, again], 'customer.id')).toEqual(['batch:k:0', 'batch:k:0']);
  });
});
