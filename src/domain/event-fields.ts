// Reading an event's fields and its event time: the rules ingest and the stream processor share.
// Pure and allocation-light: this runs for every event.

/** A dotted field path split once into its segments, so the hot path never re-splits it. */
export type FieldPath = readonly string[];

const hasOwn = Object.prototype.hasOwnProperty;

export function compileFieldPath(path: string): FieldPath {
  return Object.freeze(path.split('.'));
}

/**
 * Value at a precompiled path, or undefined. Only own properties of non-array objects are followed,
 * so "__proto__", "constructor" or "toString" never reach Object.prototype, and arrays are values
 * rather than containers ("tags.length" is undefined). The payload itself must be an object, as
 * ingest guarantees.
 */
export function readPath(payload: Record<string, unknown>, path: FieldPath): unknown {
  if (path.length === 1) return hasOwn.call(payload, path[0]) ? payload[path[0]] : undefined;
  let current: unknown = payload;
  for (let i = 0; i < path.length; i++) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    const segment = path[i];
    if (!hasOwn.call(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Value at a dotted path such as "user.country"; see readPath for what is followed. */
export function readField(payload: Record<string, unknown>, path: string): unknown {
  if (path.indexOf('.') === -1) {
    return hasOwn.call(payload, path) ? payload[path] : undefined;
  }
  return readPath(payload, path.split('.'));
}

const MIN_EVENT_TIME = 0; // 1970-01-01T00:00:00.000Z
const MAX_EVENT_TIME = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Epoch milliseconds of an event time, or undefined when it is not one. Accepted: a finite number of
 * epoch ms (fractions are floored), or an RFC 3339 string with date, time and an explicit zone ('Z' or
 * ±hh:mm; fractions beyond ms are truncated). Refused: numeric strings (too easily seconds or ms by
 * mistake), impossible dates such as Feb 30, leap seconds, and instants outside years 1970..9999 UTC.
 */
export function parseEventTime(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number') ms = Number.isFinite(value) ? Math.floor(value) : undefined;
  else if (typeof value === 'string') ms = parseRfc3339(value);
  if (ms === undefined || ms < MIN_EVENT_TIME || ms > MAX_EVENT_TIME) return undefined;
  return ms + 0;
}

function parseRfc3339(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4]);
  const minute = Number(match[5]);
  const second = Number(match[6]);
  // Any earlier year is before 1970 UTC whatever the offset; it also keeps Date.UTC away from years
  // 0..99, which it reads as 1900..1999.
  if (year < 1969 || month < 1 || month > 12 || day < 1) return undefined;
  const monthDays = month === 2 && isLeapYear(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day > monthDays || hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = match[7] ? Number(match[7].slice(0, 3).padEnd(3, '0')) : 0;
  let offsetMinutes = 0;
  if (match[9]) {
    const zoneHours = Number(match[10]);
    const zoneMinutes = Number(match[11]);
    if (zoneHours > 23 || zoneMinutes > 59) return undefined;
    offsetMinutes = (match[9] === '-' ? -1 : 1) * (zoneHours * 60 + zoneMinutes);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
}
