import { describe, expect, it } from 'vitest';
import type { MeasureDefinition } from '../../src/domain/definitions';
import { EXACT_DISTINCT_LIMIT, EXACT_QUANTILE_LIMIT, WindowAccumulator } from '../../src/stream/measures';
import { DDSketch } from '../../src/stream/sketches/ddsketch';
import { HyperLogLog } from '../../src/stream/sketches/hyperloglog';

const MEASURES: MeasureDefinition[] = [
  { name: 'n', fn: 'COUNT' },
  { name: 'present', fn: 'COUNT', field: 'amount' },
  { name: 'total', fn: 'SUM', field: 'amount' },
  { name: 'low', fn: 'MIN', field: 'amount' },
  { name: 'high', fn: 'MAX', field: 'amount' },
  { name: 'mean', fn: 'AVG', field: 'amount' },
  { name: 'users', fn: 'UNIQ', field: 'user' },
  { name: 'p50', fn: 'P50', field: 'amount' },
  { name: 'p99', fn: 'P99', field: 'amount' },
];

const payloads = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ amount: i % 17 === 0 ? null : ((from + i) * 7919) % 1000, user: `u${(from + i) % (count / 2 + 3)}` }));

function accumulate(events: Record<string, unknown>[]): WindowAccumulator {
  const accumulator = new WindowAccumulator(MEASURES);
  for (const event of events) accumulator.add(event);
  return accumulator;
}

describe('merging accumulators (how session windows combine)', () => {
  it('gives what adding every event to one accumulator gives, while values are exact', () => {
    const [a, b] = [payloads(0, 300), payloads(300, 500)];
    const merged = accumulate(a);
    merged.merge(accumulate(b));
    expect(merged.values()).toEqual(accumulate([...a, ...b]).values());
    expect(merged.count).toBe(800);
  });

  it('crosses into sketches when the union outgrows the exact limits, and merges sketch with sketch', () => {
    const big = EXACT_QUANTILE_LIMIT + EXACT_DISTINCT_LIMIT;
    const [a, b, c] = [payloads(0, 6_000), payloads(6_000, 6_000), payloads(12_000, big)];
    const merged = accumulate(a);
    merged.merge(accumulate(b)); // exact + exact, past the limits
    merged.merge(accumulate(c)); // sketch + sketch
    const straight = accumulate([...a, ...b, ...c]).values();
    const values = merged.values();
    expect(values.n).toBe(straight.n);
    expect(values.total).toBe(straight.total);
    expect([values.low, values.high]).toEqual([straight.low, straight.high]);
    expect(Math.abs(values.users! - straight.users!) / straight.users!).toBeLessThan(0.02);
    for (const q of ['p50', 'p99'] as const) expect(Math.abs(values[q]! - straight[q]!) / straight[q]!).toBeLessThan(0.021);
  });

  it('merges sketches into the sketch of the union', () => {
    const [x, y, union] = [new DDSketch(), new DDSketch(), new DDSketch()];
    for (let i = 1; i <= 5_000; i++) {
      (i % 2 ? x : y).add(i * (i % 3 === 0 ? -1 : 1));
      union.add(i * (i % 3 === 0 ? -1 : 1));
    }
    y.add(0);
    union.add(0);
    x.merge(y);
    expect(x.toState()).toEqual(union.toState());
    const [h1, h2, hAll] = [new HyperLogLog(), new HyperLogLog(), new HyperLogLog()];
    for (let i = 0; i < 20_000; i++) {
      (i < 12_000 ? h1 : h2).add(`v${i}`);
      hAll.add(`v${i}`);
    }
    h1.merge(h2);
    expect(h1.toState()).toBe(hAll.toState());
  });
});
