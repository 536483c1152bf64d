import { describe, expect, it } from 'vitest';
import { NOT_ITEMIZED, RefusalTally, type Refusal } from '../../src/domain/security/access-refusals';

const refusal = (overrides: Partial<Refusal> = {}): Refusal => ({
  at: 1_000,
  actor: 'key:abcdefghijkl',
  source: '10.0.0.7',
  via: 'POST /graphql',
  operation: 'authenticate',
  resource: 'gateway',
  result: 'UNAUTHENTICATED',
  reason: 'the API key is not valid',
  ...overrides,
});

describe('tallying refused requests for the audit trail', () => {
  it('counts refusals alike as one entry, from the first to the last', () => {
    const tally = new RefusalTally(10);
    for (let i = 0; i < 500; i++) tally.add(refusal({ at: 1_000 + i }));
    tally.add(refusal({ actor: 'producer-app', operation: 'produce', resource: 'stream:orders', result: 'FORBIDDEN', reason: 'denied by ACL acl-1', at: 1_200 }));
    const records = tally.drain();
    expect(records).toEqual([
      {
        at: 1_000,
        lastAt: 1_499,
        count: 500,
        actor: 'key:abcdefghijkl',
        action: 'AUTHENTICATION_FAILED',
        resource: 'gateway',
        source: '10.0.0.7',
        via: 'POST /graphql',
        operation: 'authenticate',
        result: 'UNAUTHENTICATED',
        detail: 'the API key is not valid',
      },
      expect.objectContaining({ action: 'AUTHORIZATION_FAILED', actor: 'producer-app', resource: 'stream:orders', result: 'FORBIDDEN', count: 1, at: 1_200, lastAt: 1_200 }),
    ]);
    expect(tally.empty).toBe(true);
    expect(tally.drain()).toEqual([]);
  });

  it('keeps sources, entry points and operations apart', () => {
    const tally = new RefusalTally(10);
    tally.add(refusal());
    tally.add(refusal({ source: '10.0.0.8' }));
    tally.add(refusal({ via: 'graphql-ws' }));
    tally.add(refusal({ operation: 'read_audit', result: 'FORBIDDEN' }));
    tally.add(refusal());
    expect(tally.drain().map((record) => record.count)).toEqual([2, 1, 1, 1]);
  });

  it('itemizes a bounded number of kinds and still counts every other refusal in one summary', () => {
    const tally = new RefusalTally(3);
    for (let i = 0; i < 1_000; i++) tally.add(refusal({ actor: `key:${String(i).padStart(12, '0')}`, at: 5_000 + i }));
    const records = tally.drain();
    expect(records).toHaveLength(4);
    expect(records.slice(0, 3).map((record) => record.actor)).toEqual(['key:000000000000', 'key:000000000001', 'key:000000000002']);
    expect(records[3]).toMatchObject({ action: NOT_ITEMIZED, actor: '*', count: 997, at: 5_003, lastAt: 5_999, detail: '997 further refusals, of kinds beyond the 3 itemized in one period' });
    expect(records.reduce((sum, record) => sum + (record.count ?? 0), 0)).toBe(1_000);
  });

  it('takes back what a failed write drained, adding to what came in since', () => {
    const tally = new RefusalTally(2);
    tally.add(refusal({ at: 10 }));
    tally.add(refusal({ actor: 'a', at: 11 }));
    tally.add(refusal({ actor: 'b', at: 12 }));
    const unwritten = tally.drain();
    tally.add(refusal({ at: 20 }));
    tally.add(refusal({ actor: 'c', at: 21 }));
    tally.restore(unwritten);
    const records = tally.drain();
    expect(records.map((record) => [record.actor, record.count, record.at, record.lastAt])).toEqual([
      ['key:abcdefghijkl', 2, 10, 20],
      ['c', 1, 21, 21],
      ['*', 2, 11, 12],
    ]);
  });
});
