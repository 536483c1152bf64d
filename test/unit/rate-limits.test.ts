import { describe, expect, it } from 'vitest';
import { limitFor, parseRateLimits, TokenBuckets } from '../../src/domain/security/rate-limits';

describe('rate limits', () => {
  it('let a burst through, then one request per refill, saying when to come back', () => {
    const buckets = new TokenBuckets();
    const limit = { perSecond: 2, burst: 3 };
    const at = (ms: number) => buckets.take('key:a', limit, 1_000 + ms);
    expect([at(0), at(1), at(2)].every((r) => r.allowed)).toBe(true);
    // 0.006 tokens left (refilled over 3 ms): a whole one is 497 ms away at 2 per second.
    const refused = at(3);
    expect(refused.allowed).toBe(false);
    expect(!refused.allowed && refused.retryAfterMs).toBeGreaterThanOrEqual(497);
    expect(!refused.allowed && refused.retryAfterMs).toBeLessThanOrEqual(498);
    expect(at(502).allowed).toBe(true); // half a second refills one token
    expect(at(503)).toMatchObject({ allowed: false });
    // Another principal has its own bucket.
    expect(buckets.take('key:b', limit, 1_503).allowed).toBe(true);
  });

  it('never hold more than the burst after a quiet spell', () => {
    const buckets = new TokenBuckets();
    const limit = { perSecond: 100, burst: 2 };
    buckets.take('k', limit, 0);
    const later = [1, 2, 3].map((i) => buckets.take('k', limit, 60_000 + i).allowed);
    expect(later).toEqual([true, true, false]);
  });

  it('forget the longest unused buckets past their bound', () => {
    const buckets = new TokenBuckets(2);
    const limit = { perSecond: 0.001, burst: 1 };
    buckets.take('a', limit, 0);
    buckets.take('b', limit, 0);
    buckets.take('c', limit, 0); // forgets a
    expect(buckets.take('a', limit, 1).allowed).toBe(true);
    expect(buckets.take('c', limit, 1).allowed).toBe(false);
  });

  it('parse per-role settings and pick the most generous role; an unlimited role wins', () => {
    const limits = parseRateLimits('producer=200:400, consumer=50:100');
    expect(limits).toEqual({ producer: { perSecond: 200, burst: 400 }, consumer: { perSecond: 50, burst: 100 } });
    expect(limitFor({ id: 'k', name: 'k', roles: ['consumer', 'producer'] }, limits)).toEqual({ perSecond: 200, burst: 400 });
    expect(limitFor({ id: 'k', name: 'k', roles: ['consumer', 'admin'] }, limits)).toBeUndefined();
    expect(() => parseRateLimits('producer=fast')).toThrow(/<role>=<requests per second>:<burst>/);
    expect(() => parseRateLimits('janitor=1:1')).toThrow();
  });
});
