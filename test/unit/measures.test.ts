import { describe, expect, it } from 'vitest';
import type { MeasureDefinition } from '../../src/domain/definitions';
import { EXACT_DISTINCT_LIMIT, EXACT_QUANTILE_LIMIT, WindowAccumulator } from '../../src/stream/measures';

const ALL: MeasureDefinition[] = [
  { name: 'events', fn: 'COUNT' },
  { name: 'with_x', fn: 'COUNT', field: 'x' },
  { name: 'sum', fn: 'SUM', field: 'x' },
  { name: 'min', fn: 'MIN', field: 'x' },
  { name: 'max', fn: 'MAX', field: 'x' },
  { name: 'avg', fn: 'AVG', field: 'x' },
  { name: 'uniq', fn: 'UNIQ', field: 'x' },
  { name: 'p50', fn: 'P50', field: 'x' },
  { name: 'p90', fn: 'P90', field: 'x' },
  { name: 'p95', fn: 'P95', field: 'x' },
  { name: 'p99', fn: 'P99', field: 'x' },
];

function accumulate(payloads: Record<string, unknown>[], measures = ALL): WindowAccumulator {
  const accumulator = new WindowAccumulator(measures);
  for (const payload of payloads) accumulator.add(payload);
  return accumulator;
}

const xs = (...values: unknown[]) => values.map((x) => ({ x }));

describe('WindowAccumulator measures', () => {
  it('gives 0 counts and null values for an empty window', () => {
    const accumulator = accumulate([]);
    expect(accumulator.count).toBe(0);
    expect(accumulator.values()).toEqual({
      events: 0, with_x: 0, sum: null, min: null, max: null, avg: null, uniq: 0, p50: null, p90: null, p95: null, p99: null,
    });
  });

  it('computes every measure on a small hand-checked input', () => {
    // sorted: 1 1 2 3 4 5 6 9; n = 8; P50 rank ceil(4) = 4 → 3; P90 rank ceil(7.2) = 8 → 9.
    const accumulator = accumulate(xs(3, 1, 4, 1, 5, 9, 2, 6));
    expect(accumulator.count).toBe(8);
    expect(accumulator.values()).toEqual({
      events: 8, with_x: 8, sum: 31, min: 1, max: 9, avg: 3.875, uniq: 7, p50: 3, p90: 9, p95: 9, p99: 9,
    });
  });

  it('ignores missing, null and non-numeric values for numeric measures', () => {
    const accumulator = accumulate([{ x: '12' }, { x: true }, { x: null }, {}, { x: { a: 1 } }, { x: [2] }, { x: 5 }, { y: 7 }]);
    expect(accumulator.values()).toEqual({
      events: 8, with_x: 5, sum: 5, min: 5, max: 5, avg: 5, uniq: 5, p50: 5, p90: 5, p95: 5, p99: 5,
    });
  });

  it('gives null, not 0, when events came but none had a number', () => {
    const values = accumulate(xs('a', 'b', null)).values();
    expect(values).toMatchObject({ events: 3, with_x: 2, sum: null, avg: null, p50: null, uniq: 2 });
  });

  it('ignores NaN and infinities that a non-JSON producer might send', () => {
    const values = accumulate(xs(Number.NaN, Infinity, -Infinity, 2)).values();
    expect(values).toMatchObject({ sum: 2, min: 2, max: 2, uniq: 1, p99: 2 });
  });

  it('handles negative numbers', () => {
    expect(accumulate(xs(-5, -1, -3)).values()).toMatchObject({ sum: -9, min: -5, max: -1, avg: -3, p50: -3, p99: -1 });
    expect(accumulate(xs(-2, 0, 2)).values()).toMatchObject({ sum: 0, min: -2, max: 2, avg: 0, p50: 0 });
  });

  it('uses nearest rank for quantiles, with ties', () => {
    expect(accumulate(xs(1, 2, 3, 4)).values()).toMatchObject({ p50: 2, p90: 4 });
    expect(accumulate(xs(7, 7, 7, 7, 1)).values()).toMatchObject({ p50: 7, p90: 7 });
    expect(accumulate(xs(1, 1, 2, 2)).values()).toMatchObject({ p50: 1, p90: 2 });
    expect(accumulate(xs(42)).values()).toMatchObject({ p50: 42, p99: 42 });
  });

  it('takes the rank exactly when p·n is a whole number', () => {
    const range = (n: number) => xs(...Array.from({ length: n }, (_, i) => n - i)); // n..1, unsorted
    expect(accumulate(range(10)).values()).toMatchObject({ p50: 5, p90: 9 });
    expect(accumulate(range(20)).values()).toMatchObject({ p95: 19 });
    expect(accumulate(range(100)).values()).toMatchObject({ p50: 50, p90: 90, p95: 95, p99: 99 });
    expect(accumulate(range(101)).values()).toMatchObject({ p50: 51, p99: 100 });
  });

  it('keeps quantiles right when values arrive after a read', () => {
    const accumulator = accumulate(xs(5, 1, 3));
    expect(accumulator.values().p50).toBe(3);
    accumulator.add({ x: 0 });
    accumulator.add({ x: -1 });
    expect(accumulator.values()).toMatchObject({ p50: 1, min: -1, max: 5 });
  });

  it('counts distinct values by type: 1, "1" and true differ; -0 is 0; objects by JSON text', () => {
    const values = accumulate(xs(1, '1', true, 'true', 0, -0, 1.0, { a: 1 }, '{"a":1}', [1], null, undefined)).values();
    // distinct: 1, "1", true, "true", 0, '{"a":1}', "[1]"
    expect(values.uniq).toBe(7);
  });

  it('normalises -0 so that MIN and MAX survive a JSON checkpoint', () => {
    const accumulator = accumulate(xs(-0));
    expect(Object.is(accumulator.values().min, 0)).toBe(true);
  });

  it('reads nested fields and shares one read between measures of a field', () => {
    const measures: MeasureDefinition[] = [
      { name: 'total', fn: 'SUM', field: 'order.amount' },
      { name: 'biggest', fn: 'MAX', field: 'order.amount' },
      { name: 'countries', fn: 'UNIQ', field: 'user.country' },
    ];
    const accumulator = accumulate([
      { order: { amount: 10 }, user: { country: 'DE' } },
      { order: { amount: 2.5 }, user: { country: 'FR' } },
      { order: 'none', user: { country: 'DE' } },
    ], measures);
    expect(accumulator.values()).toEqual({ total: 12.5, biggest: 10, countries: 2 });
    expect(accumulator.toState().fields.map((f) => f.field)).toEqual(['order.amount', 'user.country']);
  });

  it('does not read through prototypes', () => {
    const accumulator = accumulate([{}, { x: 1 }], [{ name: 'c', fn: 'UNIQ', field: 'constructor' }, { name: 'p', fn: 'COUNT', field: '__proto__' }]);
    expect(accumulator.values()).toEqual({ c: 0, p: 0 });
  });

  it('refuses measures it cannot compute', () => {
    expect(() => new WindowAccumulator([{ name: 's', fn: 'SUM' }])).toThrow(/needs a field/);
    expect(() => new WindowAccumulator([{ name: 's', fn: 'MEDIAN' as never, field: 'x' }])).toThrow(/unknown function/);
  });
});

describe('WindowAccumulator past the exact limits', () => {
  it('counts exactly up to the limit of distinct values, then estimates within 2%', () => {
    const accumulator = new WindowAccumulator([{ name: 'users', fn: 'UNIQ', field: 'user' }]);
    for (let i = 0; i < EXACT_DISTINCT_LIMIT; i++) accumulator.add({ user: `u${i}` });
    accumulator.add({ user: 'u0' });
    expect(accumulator.values().users).toBe(EXACT_DISTINCT_LIMIT);
    for (let i = EXACT_DISTINCT_LIMIT; i < 100_000; i++) accumulator.add({ user: `u${i}` });
    expect(Math.abs(accumulator.values().users! - 100_000) / 100_000).toBeLessThan(0.02);
    expect(JSON.stringify(accumulator.toState()).length).toBeLessThan(17_000);
  });

  it('keeps quantiles exact up to the limit of values, then within 1%', () => {
    const accumulator = new WindowAccumulator([{ name: 'p50', fn: 'P50', field: 'ms' }, { name: 'p99', fn: 'P99', field: 'ms' }]);
    for (let i = 1; i <= EXACT_QUANTILE_LIMIT; i++) accumulator.add({ ms: i });
    expect(accumulator.values()).toEqual({ p50: 5_000, p99: 9_900 });
    for (let i = EXACT_QUANTILE_LIMIT + 1; i <= 200_000; i++) accumulator.add({ ms: i });
    const { p50, p99 } = accumulator.values();
    expect(Math.abs(p50! - 100_000) / 100_000).toBeLessThanOrEqual(0.01);
    expect(Math.abs(p99! - 198_000) / 198_000).toBeLessThanOrEqual(0.01);
    expect(JSON.stringify(accumulator.toState()).length).toBeLessThan(10_000);
  });

  it('gives identical results for identical replays', () => {
    const run = () => {
      const accumulator = new WindowAccumulator(ALL);
      for (let i = 0; i < 30_000; i++) accumulator.add({ x: ((i * 7919) % 25_000) - 300 });
      return accumulator;
    };
    const [a, b] = [run(), run()];
    expect(b.values()).toEqual(a.values());
    expect(b.toState()).toEqual(a.toState());
  });
});

describe('WindowAccumulator state', () => {
  function roundTrip(accumulator: WindowAccumulator, measures = ALL): WindowAccumulator {
    return WindowAccumulator.fromState(measures, JSON.parse(JSON.stringify(accumulator.toState())));
  }

  const cases: [string, (i: number) => Record<string, unknown>, number][] = [
    ['small and mixed', (i) => ({ x: i % 4 === 0 ? `s${i % 7}` : i % 5 === 0 ? null : (i % 13) - 6.5 }), 40],
    ['empty', () => ({}), 0],
    ['past both exact limits', (i) => ({ x: (i * 104_729) % 1_000_003 }), 25_000],
  ];
  it.each(cases.map(([name, make, n]) => ({ name, make, n })))('restores $name windows identically, and keeps going identically', ({ make, n }) => {
    const never = new WindowAccumulator(ALL);
    for (let i = 0; i < n; i++) never.add(make(i));
    const restored = roundTrip(never);
    expect(restored.count).toBe(never.count);
    expect(restored.values()).toEqual(never.values());
    for (let i = n; i < n + 5_000; i++) {
      never.add(make(i));
      restored.add(make(i));
    }
    expect(restored.values()).toEqual(never.values());
    expect(restored.toState()).toEqual(never.toState());
  });

  it('is plain JSON: arrays, numbers and strings, no Map or Set', () => {
    const state = accumulate(xs(1, 'a', 2, true)).toState();
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    expect(state).toEqual({
      version: 1,
      events: 4,
      fields: [{ field: 'x', present: 4, numeric: 2, sum: 3, min: 1, max: 2, distinct: [1, 'a', 2, true], quantiles: [1, 2] }],
    });
  });

  it('refuses a state that does not match the measures', () => {
    const state = accumulate(xs(1, 2)).toState();
    const sumOnly: MeasureDefinition[] = [{ name: 's', fn: 'SUM', field: 'x' }];
    expect(() => WindowAccumulator.fromState(sumOnly, state)).toThrow(/UNIQ or quantile/);
    expect(() => WindowAccumulator.fromState([{ name: 's', fn: 'SUM', field: 'y' }], state)).toThrow(/field "y"/);
    expect(() => WindowAccumulator.fromState(ALL, { ...state, version: 2 })).toThrow(/version/);
    expect(() => WindowAccumulator.fromState(ALL, null)).toThrow(TypeError);
    expect(() => WindowAccumulator.fromState(ALL, { ...state, fields: [{ ...state.fields[0], quantiles: [1] }] })).toThrow(/quantiles/);
    expect(() => WindowAccumulator.fromState(ALL, { ...state, fields: [{ ...state.fields[0], distinct: [{}] }] })).toThrow(/distinct/);
  });
});
