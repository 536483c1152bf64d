// How numbers, times and durations read on the dashboard.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** 1234 → "1,234"; 1275.9099 → "1,275.91"; 15.5 → "15.50"; null → "—". */
export function formatNumber(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) ? integer.format(value) : decimal.format(value);
}

const pad = (n, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time, "09:42:05"; with the date in front when it is not today. */
export function formatTime(value, { milliseconds = false } = {}) {
  if (value === null || value === undefined) return '—';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  let text = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  if (milliseconds) text += `.${pad(date.getMilliseconds(), 3)}`;
  const today = new Date();
  if (date.toDateString() !== today.toDateString()) {
    text = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${text}`;
  }
  return text;
}

/** "3s ago", "4m ago", "in 2s"; for how far the watermark trails the clock. */
export function formatAgo(value, now = Date.now()) {
  if (value === null || value === undefined) return '';
  const seconds = Math.round((now - new Date(value).getTime()) / 1000);
  const magnitude = Math.abs(seconds);
  const text = magnitude < 90 ? `${magnitude}s` : magnitude < 5400 ? `${Math.round(magnitude / 60)}m` : magnitude < 172800 ? `${Math.round(magnitude / 3600)}h` : `${Math.round(magnitude / 86400)}d`;
  return seconds >= 0 ? `${text} ago` : `in ${text}`;
}

const UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "10s" → 10000, as the gateway spells durations; undefined for anything else. */
export function parseDuration(text) {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(String(text ?? '').trim());
  return match ? Number(match[1]) * UNITS[match[2]] : undefined;
}

/** A JSON text of `value` with object keys sorted, so equal group keys give equal strings. */
export function stableStringify(value) {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** How a group-key value reads in a cell: strings as they are, null as "(none)". */
export function formatKeyValue(value) {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'number' ? formatNumber(value) : String(value);
}

/** "COUNT()" / "SUM(amount)". */
export function formatMeasure(measure) {
  return `${measure.fn}(${measure.field ?? ''})`;
}
