// Event-time window assignment and group keys for the stream processor. Pure and allocation-light: this runs for every event of every view.

import { compileFieldPath, readPath, type FieldPath } from '../domain/event-fields';
import type { KeyValue } from '../ports/aggregate-store';

/**
 * Start of the window of `sizeMs` holding `time`: a floor modulo, so negative times land in the
 * window below zero instead of the one above (Flink's TimeWindow.getWindowStartWithOffset, offset 0).
 */
function windowStartOf(time: number, sizeMs: number): number {
  const remainder = time % sizeMs;
  return remainder < 0 ? time - (remainder + sizeMs) : time - remainder;
}

function checkPositive(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer number of milliseconds; got ${value}`);
  }
}

/**
 * Starts of every window [start, start + sizeMs) that contains `eventTime`, ascending.
 * Tumbling when `hopMs` is null; otherwise hopping windows whose starts are multiples of `hopMs`
 * (Flink SlidingEventTimeWindows, offset 0). With hopMs > sizeMs an event between windows gets none.
 */
export function assignWindows(eventTime: number, sizeMs: number, hopMs: number | null): number[] {
  checkPositive(sizeMs, 'sizeMs');
  if (hopMs === null || hopMs === sizeMs) return [windowStartOf(eventTime, sizeMs)];
  checkPositive(hopMs, 'hopMs');
  const last = windowStartOf(eventTime, hopMs);
  // The first window still holding the event starts at the smallest multiple of hop above t - size.
  const starts: number[] = [];
  for (let start = windowStartOf(eventTime - sizeMs, hopMs) + hopMs; start <= last; start += hopMs) {
    starts.push(start);
  }
  return starts;
}

/** Exclusive end of the window starting at `start`. */
export function windowEnd(start: number, sizeMs: number): number {
  return start + sizeMs;
}

/**
 * A field value as a group-key value: strings, finite numbers and booleans as they are (-0 as 0);
 * missing, null and anything JSON cannot carry (NaN, functions) as null; objects and arrays as their
 * JSON text, so { a: 1 } and the string '{"a":1}' are the same key (a KeyValue cannot hold objects).
 */
export function toKeyValue(value: unknown): KeyValue {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value + 0 : null;
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? null : stringifyOrNull(value);
    default:
      return null;
  }
}

function stringifyOrNull(value: object): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

export interface GroupKey {
  key: Record<string, KeyValue>;
  /** JSON text of the key values in groupBy order: equal exactly when the key tuples are equal. */
  canonical: string;
}

/** Reads a view's group key from events, with its paths split once. */
export class GroupKeyReader {
  private readonly paths: FieldPath[];

  private readonly groupBy: readonly string[];

  constructor(groupBy: readonly string[]) {
    this.groupBy = [...groupBy];
    this.paths = groupBy.map(compileFieldPath);
  }

  read(payload: Record<string, unknown>): GroupKey {
    const key: Record<string, KeyValue> = {};
    // Built by concatenation rather than JSON.stringify(array): one string, no array per event.
    let canonical = '[';
    for (let i = 0; i < this.paths.length; i++) {
      const value = toKeyValue(readPath(payload, this.paths[i]));
      const field = this.groupBy[i];
      if (field === '__proto__') Object.defineProperty(key, field, { value, enumerable: true, writable: true, configurable: true });
      else key[field] = value;
      if (i > 0) canonical += ',';
      canonical += typeof value === 'string' ? JSON.stringify(value) : String(value);
    }
    return { key, canonical: canonical + ']' };
  }
}

// Keyed by the groupBy array itself: a view's definition is immutable, so its paths are split once.
const readers = new WeakMap<readonly string[], GroupKeyReader>();

/** Group key of one event. `groupBy` must not be mutated afterwards (its split paths are cached). */
export function groupKeyOf(payload: Record<string, unknown>, groupBy: readonly string[]): GroupKey {
  let reader = readers.get(groupBy);
  if (reader === undefined) {
    reader = new GroupKeyReader(groupBy);
    readers.set(groupBy, reader);
  }
  return reader.read(payload);
}
