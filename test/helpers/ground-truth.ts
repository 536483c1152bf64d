// The test oracle: what a view's window rows must be, recomputed from the list of events the test
// sent. Deliberately simple (brute force, whole arrays, sorting) and independent of the product code,
// so a bug in the product cannot hide in a shared helper.

import { expect } from 'vitest';

export type MeasureFn = 'COUNT' | 'SUM' | 'MIN' | 'MAX' | 'AVG' | 'UNIQ' | 'P50' | 'P90' | 'P95' | 'P99';

export interface MeasureSpec {
  name: string;
  fn: MeasureFn;
  field?: string;
}

export interface ViewSpec {
  windowMs: number;
  /** Slide of hopping windows; null or absent for tumbling windows. */
  hopMs?: number | null;
  groupBy: string[];
  measures: MeasureSpec[];
}

/** One event as sent, with the event time the test meant it to have (epoch ms). */
export interface SentEvent {
  time: number;
  payload: Record<string, unknown>;
}

export interface ExpectedRow {
  windowStart: number;
  windowEnd: number;
  key: Record<string, unknown>;
  values: Record<string, number | null>;
  eventCount: number;
}

export interface GroundTruthOptions {
  /**
   * When given, events are taken in the order sent and an event is left out of every window that the
   * watermark (largest time so far, this one included, minus the delay) has already passed.
   */
  watermarkDelayMs?: number;
}

/** Starts of all windows [start, start + size) holding `time`, by walking back from the latest one. */
export function windowStartsOf(time: number, windowMs: number, hopMs?: number | null): number[] {
  const step = hopMs ?? windowMs;
  const starts: number[] = [];
  for (let start = Math.floor(time / step) * step; start > time - windowMs; start -= step) starts.push(start);
  return starts.reverse();
}

/** Identity of a row: its window start and its key, whatever order the key's fields come in. */
export function rowId(windowStart: number, key: unknown): string {
  const entries = Object.entries((key ?? {}) as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${windowStart}|${JSON.stringify(entries)}`;
}

function keyOf(payload: Record<string, unknown>, groupBy: string[]): Record<string, unknown> {
  const key: Record<string, unknown> = {};
  for (const field of groupBy) key[field] = payload[field] ?? null;
  return key;
}

function numbersOf(events: SentEvent[], field: string): number[] {
  return events.map((e) => e.payload[field]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

/** Nearest rank: the value at position ceil(p/100 * n) of the sorted values (1-based). */
export function nearestRank(values: number[], percent: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((percent * sorted.length) / 100));
  return sorted[rank - 1];
}

export function measureValue(events: SentEvent[], measure: MeasureSpec): number | null {
  if (measure.fn === 'COUNT' && !measure.field) return events.length;
  const field = measure.field!;
  const present = events.map((e) => e.payload[field]).filter((v) => v !== undefined && v !== null);
  const numbers = numbersOf(events, field);
  switch (measure.fn) {
    case 'COUNT':
      return present.length;
    case 'UNIQ':
      return new Set(present.map((v) => (typeof v === 'object' ? `o:${JSON.stringify(v)}` : `${typeof v}:${String(v)}`))).size;
    case 'SUM':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0);
    case 'MIN':
      return numbers.length === 0 ? null : Math.min(...numbers);
    case 'MAX':
      return numbers.length === 0 ? null : Math.max(...numbers);
    case 'AVG':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'P50':
      return nearestRank(numbers, 50);
    case 'P90':
      return nearestRank(numbers, 90);
    case 'P95':
      return nearestRank(numbers, 95);
    case 'P99':
      return nearestRank(numbers, 99);
  }
}

/** Every window row the view must hold, ordered by window start, then key. */
export function expectedRows(events: SentEvent[], spec: ViewSpec, options: GroundTruthOptions = {}): ExpectedRow[] {
  const groups = new Map<string, { windowStart: number; key: Record<string, unknown>; events: SentEvent[] }>();
  let maxTime = -Infinity;
  for (const event of events) {
    maxTime = Math.max(maxTime, event.time);
    const watermark = options.watermarkDelayMs === undefined ? -Infinity : maxTime - options.watermarkDelayMs;
    for (const start of windowStartsOf(event.time, spec.windowMs, spec.hopMs)) {
      if (start + spec.windowMs <= watermark) continue; // that window had already closed: late
      const key = keyOf(event.payload, spec.groupBy);
      const id = rowId(start, key);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { windowStart: start, key, events: [] }));
      group.events.push(event);
    }
  }
  const rows = [...groups.values()].map(({ windowStart, key, events: inWindow }) => ({
    windowStart,
    windowEnd: windowStart + spec.windowMs,
    key,
    values: Object.fromEntries(spec.measures.map((m) => [m.name, measureValue(inWindow, m)])),
    eventCount: inWindow.length,
  }));
  return rows.sort((a, b) => a.windowStart - b.windowStart || (JSON.stringify(a.key) < JSON.stringify(b.key) ? -1 : 1));
}

/** Events that arrive after every window they belong to has closed (taken in the order sent), as Flink counts them. */
export function lateEventCount(events: SentEvent[], spec: ViewSpec, watermarkDelayMs: number): number {
  let maxTime = -Infinity;
  let late = 0;
  for (const event of events) {
    maxTime = Math.max(maxTime, event.time);
    const watermark = maxTime - watermarkDelayMs;
    if (windowStartsOf(event.time, spec.windowMs, spec.hopMs).every((start) => start + spec.windowMs <= watermark)) late++;
  }
  return late;
}

/** A window row as the API returns it (viewAggregates or viewUpdates). */
export interface ApiWindowRow {
  windowStart: string;
  windowEnd: string;
  key: unknown;
  values: unknown;
  eventCount: number;
  final: boolean;
}

const FLOAT_MEASURES: ReadonlySet<MeasureFn> = new Set(['SUM', 'AVG']);

/** Asserts one API row equals one expected row: exact, except SUM and AVG to 6 decimal places. */
export function expectRowEquals(actual: ApiWindowRow, expected: ExpectedRow, spec: ViewSpec, label = ''): void {
  const where = `${label} window ${new Date(expected.windowStart).toISOString()} key ${JSON.stringify(expected.key)}`;
  expect(Date.parse(actual.windowStart), `${where}: windowStart`).toBe(expected.windowStart);
  expect(Date.parse(actual.windowEnd), `${where}: windowEnd`).toBe(expected.windowEnd);
  expect(actual.key, `${where}: key`).toEqual(expected.key);
  expect(actual.eventCount, `${where}: eventCount`).toBe(expected.eventCount);
  const values = actual.values as Record<string, number | null>;
  expect(Object.keys(values).sort(), `${where}: measure names`).toEqual(spec.measures.map((m) => m.name).sort());
  for (const measure of spec.measures) {
    const want = expected.values[measure.name];
    const got = values[measure.name];
    const what = `${where}: ${measure.fn}(${measure.field ?? ''}) "${measure.name}"`;
    if (want === null) expect(got, what).toBeNull();
    else if (FLOAT_MEASURES.has(measure.fn)) expect(got, what).toBeCloseTo(want, 6);
    else expect(got, what).toBe(want);
  }
}

/** Asserts the API returned exactly the expected rows (same set of windows and keys, same values). */
export function expectRowsEqual(actual: readonly ApiWindowRow[], expected: readonly ExpectedRow[], spec: ViewSpec, label = ''): void {
  const actualIds = actual.map((row) => rowId(Date.parse(row.windowStart), row.key));
  const expectedIds = expected.map((row) => rowId(row.windowStart, row.key));
  expect(new Set(actualIds).size, `${label}: duplicate rows for one window and key`).toBe(actualIds.length);
  expect([...actualIds].sort(), `${label}: the set of (window, key) rows`).toEqual([...expectedIds].sort());
  const byId = new Map(actual.map((row, i) => [actualIds[i], row]));
  for (const row of expected) expectRowEquals(byId.get(rowId(row.windowStart, row.key))!, row, spec, label);
}
