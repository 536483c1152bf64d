import { describe, expect, it } from 'vitest';
import { Deduplicator } from '../../src/stream/dedup';

describe('Deduplicator', () => {
  it('takes a key seen within the horizon for a repeat, and forgets it once the watermark is a horizon past it', () => {
    const dedup = new Deduplicator(60_000, 1_000);
    expect(dedup.repeated('id:a', 10_000, 10_000)).toBe(false);
    expect(dedup.repeated('id:b', 20_000, 20_000)).toBe(false);
    expect(dedup.repeated('id:a', 10_000, 20_000)).toBe(true);
    dedup.expire(70_000); // cutoff 10_000: a (at 10_000) stays
    expect(dedup.repeated('id:a', 10_000, 70_000)).toBe(true);
    dedup.expire(70_001); // cutoff 10_001: a goes, b stays
    expect(dedup.repeated('id:b', 20_000, 70_001)).toBe(true);
    expect(dedup.repeated('id:a', 10_000, 70_001)).toBe(false); // forgotten: counted again
    expect(dedup.stats()).toEqual({ duplicates: 3, evictedEarly: 0, keys: 2 });
  });

  it('stays within its bound by forgetting the oldest arrivals early, and counts them', () => {
    const dedup = new Deduplicator(3_600_000, 3);
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) dedup.repeated(key, 1_000, 1_000);
    expect(dedup.stats()).toEqual({ duplicates: 0, evictedEarly: 2, keys: 3 });
    expect(dedup.repeated('k5', 1_000, 1_000)).toBe(true);
    expect(dedup.repeated('k1', 1_000, 1_000)).toBe(false);
  });

  it('decides each event against its own watermark, whether or not expire ran since', () => {
    const dedup = new Deduplicator(60_000, 100);
    dedup.repeated('id:a', 0, 0);
    expect(dedup.repeated('id:a', 0, 60_000)).toBe(true);
    // No expire() in between: at this watermark the key is past the horizon all the same.
    expect(dedup.repeated('id:a', 0, 60_001)).toBe(false);
  });

  it('stops expiring at the first key still within the horizon; a straggler behind it is kept but no longer matches', () => {
    const dedup = new Deduplicator(1_000, 100);
    dedup.repeated('old', 0, 0);
    dedup.repeated('new', 50_000, 50_000);
    dedup.repeated('straggler', 0, 50_000); // arrived after a newer one
    dedup.expire(10_000);
    expect(dedup.stats().keys).toBe(2);
    expect(dedup.repeated('straggler', 0, 10_000)).toBe(false);
    expect(dedup.repeated('old', 0, 10_000)).toBe(false);
  });

  it('continues from a snapshot exactly as if never interrupted', () => {
    const dedup = new Deduplicator(60_000, 10);
    dedup.repeated('a', 1, 1);
    dedup.repeated('a', 1, 1);
    const restored = new Deduplicator(60_000, 10, JSON.parse(JSON.stringify(dedup.snapshot())));
    expect(restored.repeated('a', 1, 1)).toBe(true);
    expect(restored.stats()).toEqual({ duplicates: 2, evictedEarly: 0, keys: 1 });
  });
});
