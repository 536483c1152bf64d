import { describe, expect, it } from 'vitest';
import { DDSketch, DDSKETCH_MAX_BINS, type DDSketchState } from '../../src/stream/sketches/ddsketch';
import { hash64, HyperLogLog } from '../../src/stream/sketches/hyperloglog';

/** Seeded PRNG (mulberry32), so every run sees the same "random" data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(values: T[], seed: number): T[] {
  const next = random(seed);
  const copy = [...values];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

describe('HyperLogLog', () => {
  const relativeError = (estimate: number, n: number) => Math.abs(estimate - n) / n;

  it('estimates 0 when empty and small counts exactly enough', () => {
    expect(new HyperLogLog().estimate()).toBe(0);
    const small = new HyperLogLog();
    for (let i = 0; i < 100; i++) small.add(`v${i}`);
    expect(small.estimate()).toBe(100);
  });

  it.each([
    { name: 'strings', valueOf: (i: number) => `user-${i}` },
    { name: 'integers', valueOf: (i: number) => i },
    { name: 'decimals', valueOf: (i: number) => i / 1000 },
    { name: 'uuid-like strings', valueOf: (i: number) => `${(Math.imul(i, 2654435761) >>> 0).toString(16)}-4a1b-${i.toString(36)}` },
  ])('is within 2% on 1e5 distinct $name', ({ valueOf }) => {
    const sketch = new HyperLogLog();
    for (let i = 0; i < 100_000; i++) sketch.add(valueOf(i));
    expect(relativeError(sketch.estimate(), 100_000)).toBeLessThan(0.02);
  });

  it('stays within 2% from 1e3 to 1e6 distinct values', () => {
    const sketch = new HyperLogLog();
    let added = 0;
    for (const n of [1_000, 10_000, 30_000, 100_000, 300_000, 1_000_000]) {
      for (; added < n; added++) sketch.add(`k${added}`);
      expect(relativeError(sketch.estimate(), n), `n=${n}`).toBeLessThan(0.02);
    }
  });

  it('ignores repeats', () => {
    const sketch = new HyperLogLog();
    for (let round = 0; round < 5; round++) for (let i = 0; i < 20_000; i++) sketch.add(i);
    expect(relativeError(sketch.estimate(), 20_000)).toBeLessThan(0.02);
  });

  it('tells 1, "1" and true apart, and treats -0 as 0', () => {
    expect(hash64(1)).not.toEqual(hash64('1'));
    expect(hash64(true)).not.toEqual(hash64('true'));
    expect(hash64(-0)).toEqual(hash64(0));
    const sketch = new HyperLogLog();
    for (const value of [1, '1', true, 'true', 0, -0]) sketch.add(value);
    expect(sketch.estimate()).toBe(5);
  });

  it('keeps its hash stable, so checkpoints of an earlier build agree with a replay', () => {
    expect(hash64('hello')).toEqual([3996214221, 711565934]);
    expect(hash64(1)).toEqual([125936538, 1849670715]);
    expect(hash64('1')).toEqual([3360547354, 4291123251]);
    expect(hash64(true)).toEqual([832771608, 1814378090]);
  });

  it('is deterministic and independent of the order of adds', () => {
    const values = Array.from({ length: 30_000 }, (_, i) => (i % 3 === 0 ? i : `s${i}`));
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (const value of values) a.add(value);
    for (const value of shuffled(values, 7)) b.add(value);
    expect(b.toState()).toBe(a.toState());
    expect(b.estimate()).toBe(a.estimate());
  });

  it('round-trips through a 16,384-character state and keeps counting the same', () => {
    const original = new HyperLogLog();
    for (let i = 0; i < 50_000; i++) original.add(i);
    const state = original.toState();
    expect(state).toHaveLength(16_384);
    const restored = HyperLogLog.fromState(JSON.parse(JSON.stringify(state)));
    expect(restored.estimate()).toBe(original.estimate());
    for (let i = 50_000; i < 60_000; i++) {
      original.add(i);
      restored.add(i);
    }
    expect(restored.toState()).toBe(original.toState());
  });

  it('refuses a state that is not one', () => {
    expect(() => HyperLogLog.fromState('AAAA')).toThrow(TypeError);
    expect(() => HyperLogLog.fromState(42)).toThrow(TypeError);
    expect(() => HyperLogLog.fromState('!'.repeat(16_384))).toThrow(/register/);
    expect(() => HyperLogLog.fromState('/'.repeat(16_384))).toThrow(/register/); // rank 63 > 51
  });
});

describe('DDSketch', () => {
  /** Exact nearest-rank quantile, the definition the sketch approximates. */
  function exactQuantile(sorted: number[], q: number): number {
    return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1];
  }

  function expectWithinOnePercent(sketch: DDSketch, values: number[]): void {
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1]) {
      const exact = exactQuantile(sorted, q);
      const estimate = sketch.quantile(q)!;
      expect(Math.abs(estimate - exact), `q=${q} exact=${exact} estimate=${estimate}`).toBeLessThanOrEqual(Math.abs(exact) * 0.01 * (1 + 1e-9));
    }
  }

  function sketchOf(values: number[]): DDSketch {
    const sketch = new DDSketch();
    for (const value of values) sketch.add(value);
    return sketch;
  }

  const next = random(42);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const distributions: [string, number[]][] = [
    ['uniform integers 1..100000', Array.from({ length: 100_000 }, (_, i) => i + 1)],
    ['log-normal latencies', Array.from({ length: 50_000 }, () => Math.exp(3 + 1.5 * gaussian()))],
    ['exponential', Array.from({ length: 50_000 }, () => -Math.log(1 - next()) * 250)],
    ['normal around 0 (negatives and positives)', Array.from({ length: 50_000 }, () => gaussian() * 100)],
    ['with many zeros', Array.from({ length: 20_000 }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? -i : i))],
    ['all negative', Array.from({ length: 20_000 }, (_, i) => -1 - i * 0.37)],
    ['heavy ties', Array.from({ length: 30_000 }, (_, i) => [5, 5, 5, 7, 1000][i % 5])],
  ];
  it.each(distributions.map(([name, values]) => ({ name, values })))('is within 1% relative error on $name', ({ values }) => {
    expectWithinOnePercent(sketchOf(values), values);
  });

  it('answers null when empty and the value itself for one value', () => {
    expect(new DDSketch().quantile(0.5)).toBeNull();
    expect(new DDSketch().valueAtRank(1)).toBeNull();
    for (const value of [123.456, -7, 0, 1e-9]) {
      const sketch = sketchOf([value]);
      expect(sketch.quantile(0)).toBe(value);
      expect(sketch.quantile(0.99)).toBe(value);
    }
  });

  it('never answers outside the exact min and max', () => {
    const sketch = sketchOf([10, 10.05, 10.09]);
    expect(sketch.quantile(0)).toBeGreaterThanOrEqual(10);
    expect(sketch.quantile(1)).toBeLessThanOrEqual(10.09);
  });

  it('bounds its bins over a huge range, losing accuracy only at the smallest magnitudes', () => {
    // 1e-30..1e30: far more than the ~4e17 span 2,048 bins keep apart, so the lowest bins fold.
    const values = Array.from({ length: 20_000 }, (_, i) => 10 ** (-30 + (60 * i) / 19_999));
    const sketch = sketchOf(values);
    const state = sketch.toState();
    expect(state.positive.counts.length).toBeLessThanOrEqual(DDSKETCH_MAX_BINS);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.8, 0.9, 0.99, 1]) {
      const exact = exactQuantile(sorted, q);
      expect(Math.abs(sketch.quantile(q)! - exact)).toBeLessThanOrEqual(exact * 0.01 * (1 + 1e-9));
    }
  });

  it('is deterministic and independent of the order of adds, even when collapsing', () => {
    const values = [...Array.from({ length: 5_000 }, (_, i) => 10 ** (-30 + i / 80)), -3, 0, -1e20];
    const a = sketchOf(values).toState();
    const b = sketchOf(shuffled(values, 3)).toState();
    const c = sketchOf([...values].reverse()).toState();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  it('round-trips through plain JSON and keeps adding the same', () => {
    const values = Array.from({ length: 10_000 }, () => gaussian() * 50);
    const original = sketchOf(values);
    const restored = DDSketch.fromState(JSON.parse(JSON.stringify(original.toState())) as DDSketchState);
    expect(restored.count).toBe(original.count);
    for (const q of [0, 0.5, 0.99, 1]) expect(restored.quantile(q)).toBe(original.quantile(q));
    for (let i = 0; i < 1000; i++) {
      const value = gaussian() * 80;
      original.add(value);
      restored.add(value);
    }
    expect(restored.toState()).toEqual(original.toState());
  });

  it('refuses a state that is not one', () => {
    const valid = sketchOf([1, 2, 3]).toState();
    expect(() => DDSketch.fromState(null)).toThrow(TypeError);
    expect(() => DDSketch.fromState({ ...valid, zeros: -1 })).toThrow(TypeError);
    expect(() => DDSketch.fromState({ ...valid, positive: { offset: 0, counts: [1.5] } })).toThrow(TypeError);
    expect(() => DDSketch.fromState({ ...valid, min: null })).toThrow(/min/);
  });
});
