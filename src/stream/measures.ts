// The measures of one window and group key, folded one event at a time, with a compact JSON snapshot
// for checkpoints. Pure; memory per window is bounded by switching to sketches past exact limits.
//
// What each measure means (and what a dashboard shows):
// - COUNT: events in the window. COUNT with a field counts events whose field is present and not
//   null (SQL COUNT(field)). Never null; 0 for an empty window.
// - SUM, MIN, MAX, AVG: only finite JS numbers count; strings such as "12", booleans and objects
//   are ignored for that measure. null when no event had a number in the field (SUM too: "no data"
//   differs from a sum of 0).
// - UNIQ: distinct non-null values; 1, "1" and true are three values; objects and arrays count by
//   their JSON text, as group keys do. Exact up to 10,000 distinct values, then HyperLogLog (~0.8%
//   standard error). 0 when no event had a value.
// - P50, P90, P95, P99: nearest rank over the numbers of the field: the smallest value v such that at
//   least ceil(p·n) of the n values are <= v (so P50 of 1,2,3,4 is 2). Exact up to 10,000 values,
//   then DDSketch (within 1% relative error). null when no event had a number.

import type { MeasureDefinition, MeasureFunction } from '../domain/definitions';
import { HyperLogLog } from './sketches/hyperloglog';
import { DDSketch, type DDSketchState } from './sketches/ddsketch';
import { compileFieldPath, readPath, type FieldPath } from '../domain/event-fields';

export const EXACT_DISTINCT_LIMIT = 10_000;
export const EXACT_QUANTILE_LIMIT = 10_000;

const PERCENT: Partial<Record<MeasureFunction, number>> = { P50: 50, P90: 90, P95: 95, P99: 99 };

export interface FieldState {
  field: string;
  /** Events whose field was present and not null. */
  present: number;
  /** Events whose field was a finite number, and their sum, min and max. */
  numeric: number;
  sum: number;
  min: number | null;
  max: number | null;
  /** For UNIQ: the distinct values while exact, else the HyperLogLog registers as one string. */
  distinct?: (string | number | boolean)[] | string;
  /** For quantiles: the values while exact, else the DDSketch. */
  quantiles?: number[] | DDSketchState;
}

/** Plain JSON (arrays, numbers, strings, booleans); restores an identical accumulator. */
export interface AccumulatorState {
  version: 1;
  events: number;
  fields: FieldState[];
}

type DistinctValue = string | number | boolean;

/** Distinct values of one field: a Set while small, then a HyperLogLog fed with the same values. */
class DistinctValues {
  private exact: Set<DistinctValue> | null = new Set();
  private sketch: HyperLogLog | null = null;

  add(value: unknown): void {
    let canonical: DistinctValue;
    if (typeof value === 'string' || typeof value === 'boolean') canonical = value;
    else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return;
      canonical = value + 0; // -0 and 0 are one value, as in JSON
    } else if (typeof value === 'object' && value !== null) canonical = JSON.stringify(value);
    else return;
    if (this.sketch !== null) return this.sketch.add(canonical);
    const exact = this.exact!;
    exact.add(canonical);
    if (exact.size > EXACT_DISTINCT_LIMIT) {
      const sketch = new HyperLogLog();
      for (const known of exact) sketch.add(known);
      this.sketch = sketch;
      this.exact = null;
    }
  }

  size(): number {
    return this.sketch !== null ? this.sketch.estimate() : this.exact!.size;
  }

  /** Takes in `other`'s values: a union, exact while it stays small, else a sketch of both. */
  merge(other: DistinctValues): void {
    if (other.exact !== null) {
      for (const value of other.exact) this.add(value);
      return;
    }
    if (this.sketch === null) {
      this.sketch = new HyperLogLog();
      for (const known of this.exact!) this.sketch.add(known);
      this.exact = null;
    }
    this.sketch.merge(other.sketch!);
  }

  toState(): DistinctValue[] | string {
    return this.sketch !== null ? this.sketch.toState() : [...this.exact!];
  }

  static fromState(state: unknown, field: string): DistinctValues {
    const restored = new DistinctValues();
    if (typeof state === 'string') {
      restored.sketch = HyperLogLog.fromState(state);
      restored.exact = null;
    } else if (Array.isArray(state) && state.length <= EXACT_DISTINCT_LIMIT && state.every(isDistinctValue)) {
      restored.exact = new Set(state);
    } else {
      throw new TypeError(`accumulator state of "${field}" has invalid distinct values`);
    }
    return restored;
  }
}

function isDistinctValue(value: unknown): value is DistinctValue {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** Numbers of one field for quantiles: kept exactly while few, then a DDSketch. */
class QuantileValues {
  private exact: Float64Array | null = new Float64Array(16);
  private length = 0;
  private sorted = true;
  private sketch: DDSketch | null = null;

  add(value: number): void {
    if (this.sketch !== null) return this.sketch.add(value);
    let exact = this.exact!;
    if (this.length === EXACT_QUANTILE_LIMIT) {
      const sketch = new DDSketch();
      for (let i = 0; i < this.length; i++) sketch.add(exact[i]);
      sketch.add(value);
      this.sketch = sketch;
      this.exact = null;
      return;
    }
    if (this.length === exact.length) {
      const grown = new Float64Array(Math.min(exact.length * 2, EXACT_QUANTILE_LIMIT));
      grown.set(exact);
      this.exact = exact = grown;
    }
    exact[this.length++] = value;
    this.sorted = false;
  }

  count(): number {
    return this.sketch !== null ? this.sketch.count : this.length;
  }

  /** Takes in `other`'s numbers: exact while few, else one sketch of both. */
  merge(other: QuantileValues): void {
    if (other.sketch === null) {
      for (let i = 0; i < other.length; i++) this.add(other.exact![i]);
      return;
    }
    if (this.sketch === null) {
      const sketch = new DDSketch();
      for (let i = 0; i < this.length; i++) sketch.add(this.exact![i]);
      this.sketch = sketch;
      this.exact = null;
    }
    this.sketch.merge(other.sketch);
  }

  /** Value of 1-based rank `rank` in ascending order; the caller guarantees 1 <= rank <= count. */
  valueAtRank(rank: number): number | null {
    if (this.sketch !== null) return this.sketch.valueAtRank(rank);
    // Sorting in place is safe: the exact values are a multiset, and the sketch ignores order.
    if (!this.sorted) {
      this.exact!.subarray(0, this.length).sort();
      this.sorted = true;
    }
    return this.exact![rank - 1];
  }

  toState(): number[] | DDSketchState {
    return this.sketch !== null ? this.sketch.toState() : Array.from(this.exact!.subarray(0, this.length));
  }

  static fromState(state: unknown, field: string): QuantileValues {
    const restored = new QuantileValues();
    if (Array.isArray(state)) {
      if (state.length > EXACT_QUANTILE_LIMIT || !state.every(Number.isFinite)) {
        throw new TypeError(`accumulator state of "${field}" has invalid quantile values`);
      }
      for (const value of state) restored.add(value);
    } else {
      restored.sketch = DDSketch.fromState(state);
      restored.exact = null;
    }
    return restored;
  }
}

/** Everything measured on one field, so a field read by several measures is read once per event. */
class FieldStats {
  readonly path: FieldPath;
  present = 0;
  numeric = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  distinct: DistinctValues | null = null;
  quantiles: QuantileValues | null = null;

  constructor(readonly field: string) {
    this.path = compileFieldPath(field);
  }

  merge(other: FieldStats): void {
    this.present += other.present;
    this.numeric += other.numeric;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    if (this.distinct !== null) this.distinct.merge(other.distinct!);
    if (this.quantiles !== null) this.quantiles.merge(other.quantiles!);
  }

  toState(): FieldState {
    const { field, present, numeric, sum } = this;
    const state: FieldState = { field, present, numeric, sum, min: numeric > 0 ? this.min : null, max: numeric > 0 ? this.max : null };
    if (this.distinct !== null) state.distinct = this.distinct.toState();
    if (this.quantiles !== null) state.quantiles = this.quantiles.toState();
    return state;
  }

  /** Takes over a saved state of the same field and measures; returns what is wrong, if anything. */
  restore(saved: FieldState): string | undefined {
    if (typeof saved !== 'object' || saved === null || saved.field !== this.field) return `expected field "${this.field}"`;
    const { present, numeric, sum, min, max } = saved;
    if (!isCount(present) || !isCount(numeric) || typeof sum !== 'number') return `field "${this.field}" has invalid counts`;
    if (numeric > 0 && (typeof min !== 'number' || typeof max !== 'number')) return `field "${this.field}" lacks min or max`;
    if ((saved.distinct !== undefined) !== (this.distinct !== null) || (saved.quantiles !== undefined) !== (this.quantiles !== null)) {
      return `field "${this.field}" has different UNIQ or quantile measures`;
    }
    this.present = present;
    this.numeric = numeric;
    this.sum = sum;
    if (numeric > 0) [this.min, this.max] = [min!, max!];
    if (this.distinct !== null) this.distinct = DistinctValues.fromState(saved.distinct, this.field);
    if (this.quantiles !== null) {
      this.quantiles = QuantileValues.fromState(saved.quantiles, this.field);
      if (this.quantiles.count() !== numeric) return `field "${this.field}" has ${numeric} numbers but quantiles of another count`;
    }
    return undefined;
  }
}

interface CompiledMeasure {
  name: string;
  fn: MeasureFunction;
  /** Index into the accumulator's fields; -1 for COUNT of events. */
  field: number;
}

export class WindowAccumulator {
  private events = 0;
  private readonly fields: FieldStats[] = [];
  private readonly measures: CompiledMeasure[];

  constructor(measures: readonly MeasureDefinition[]) {
    this.measures = measures.map((measure) => this.compile(measure));
  }

  /** Events added, whatever their fields held. */
  get count(): number {
    return this.events;
  }

  add(payload: Record<string, unknown>): void {
    this.events++;
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) {
      const stats = fields[i];
      const value = readPath(payload, stats.path);
      if (value === undefined || value === null) continue;
      stats.present++;
      if (typeof value === 'number' && Number.isFinite(value)) {
        const number = value + 0; // -0 becomes 0: JSON checkpoints cannot tell them apart
        stats.numeric++;
        stats.sum += number;
        if (number < stats.min) stats.min = number;
        if (number > stats.max) stats.max = number;
        if (stats.quantiles !== null) stats.quantiles.add(number);
      }
      if (stats.distinct !== null) stats.distinct.add(value);
    }
  }

  /**
   * Takes in everything `other` (of the same measures) has added, as if its events had been added
   * here: how session windows that grow together combine.
   */
  merge(other: WindowAccumulator): void {
    this.events += other.events;
    for (let i = 0; i < this.fields.length; i++) this.fields[i].merge(other.fields[i]);
  }

  /** Every measure by name; see the module comment for when a value is null. */
  values(): Record<string, number | null> {
    const values: Record<string, number | null> = {};
    for (const { name, fn, field } of this.measures) {
      values[name] = field < 0 ? this.events : valueOf(fn, this.fields[field]);
    }
    return values;
  }

  toState(): AccumulatorState {
    return { version: 1, events: this.events, fields: this.fields.map((stats) => stats.toState()) };
  }

  /** Restores a snapshot taken with the same measures; refuses one that does not match them. */
  static fromState(measures: readonly MeasureDefinition[], state: unknown): WindowAccumulator {
    const accumulator = new WindowAccumulator(measures);
    const snapshot = state as AccumulatorState;
    const mismatch = (why: string) => new TypeError(`accumulator state does not match the view's measures: ${why}`);
    if (typeof snapshot !== 'object' || snapshot === null || snapshot.version !== 1 || !isCount(snapshot.events)) {
      throw mismatch('expected { version: 1, events, fields }');
    }
    if (!Array.isArray(snapshot.fields) || snapshot.fields.length !== accumulator.fields.length) {
      throw mismatch(`expected ${accumulator.fields.length} fields`);
    }
    accumulator.events = snapshot.events;
    accumulator.fields.forEach((stats, i) => {
      const problem = stats.restore(snapshot.fields[i]);
      if (problem !== undefined) throw mismatch(problem);
    });
    return accumulator;
  }

  private compile(measure: MeasureDefinition): CompiledMeasure {
    const { name, fn, field } = measure;
    if (fn === 'COUNT' && !field) return { name, fn, field: -1 };
    if (!field) throw new TypeError(`measure "${name}" (${fn}) needs a field`);
    let index = this.fields.findIndex((stats) => stats.field === field);
    if (index < 0) index = this.fields.push(new FieldStats(field)) - 1;
    const stats = this.fields[index];
    if (fn === 'UNIQ') stats.distinct ??= new DistinctValues();
    else if (PERCENT[fn] !== undefined) stats.quantiles ??= new QuantileValues();
    else if (!['COUNT', 'SUM', 'MIN', 'MAX', 'AVG'].includes(fn)) throw new TypeError(`measure "${name}" has unknown function ${fn}`);
    return { name, fn, field: index };
  }
}

function valueOf(fn: MeasureFunction, stats: FieldStats): number | null {
  const numeric = stats.numeric;
  switch (fn) {
    case 'COUNT':
      return stats.present;
    case 'UNIQ':
      return stats.distinct!.size();
    case 'SUM':
      return numeric > 0 ? stats.sum : null;
    case 'MIN':
      return numeric > 0 ? stats.min : null;
    case 'MAX':
      return numeric > 0 ? stats.max : null;
    case 'AVG':
      return numeric > 0 ? stats.sum / numeric : null;
    default:
      // Integer arithmetic, so the rank never depends on how p·n rounds in binary floating point.
      return numeric > 0 ? stats.quantiles!.valueAtRank(Math.ceil((PERCENT[fn]! * numeric) / 100)) : null;
  }
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
