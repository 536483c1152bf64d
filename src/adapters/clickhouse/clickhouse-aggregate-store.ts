// AggregateStore on ClickHouse SQL, shared by the chDB and server adapters (only the SqlExecutor
// differs). Rows live in a ReplacingMergeTree keyed by (view, window_start, group_key).

import { GatewayError } from '../../errors/gateway-error';
import type {
  AggregateQuery,
  AggregateStore,
  KeyValue,
  LateEventQuery,
  LateEventRecord,
  MigrationReport,
  WindowRowRecord,
} from '../../ports/aggregate-store';
import { defaultClickHouseMigrationsDir, runClickHouseMigrations } from './migrations';
import { sqlLiteral } from './sql';
import { SqlExecutor, float64FromJson, int64ToNumber } from './sql-executor';

export interface ClickHouseAggregateStoreOptions {
  /** Defaults to `<package root>/migrations/clickhouse`. */
  migrationsDir?: string;
}

const TABLE = 'window_aggregates';
const COLUMNS =
  'view, window_start, window_end, group_key, key_json, measure_names, measure_values, event_count, is_final, revision, updated_at';
// Bounds the SQL text a single upsert builds; larger batches become several INSERTs, which is safe
// because every row write is idempotent on its own.
const MAX_ROWS_PER_INSERT = 10_000;

const LATE_TABLE = 'late_events';
const LATE_COLUMNS = 'view, generation, input_partition, input_offset, event_id, event_time, watermark, received_at, recorded_at, payload_json';

interface StoredLateEvent {
  view: string;
  generation: number | string;
  input_partition: number | string;
  input_offset: number | string;
  event_id: string;
  event_time: number | string;
  watermark: number | string;
  received_at: number | string;
  recorded_at: number | string;
  payload_json: string;
}

interface StoredRow {
  view: string;
  window_start: string | number;
  window_end: string | number;
  key_json: string;
  measure_names: string[];
  measure_values: Array<number | string | null>;
  event_count: string | number;
  is_final: number | string;
  revision: string | number;
  updated_at: string | number;
}

export class ClickHouseAggregateStore implements AggregateStore {
  private readonly migrationsDir: string;

  constructor(
    private readonly executor: SqlExecutor,
    options: ClickHouseAggregateStoreOptions = {},
  ) {
    this.migrationsDir = options.migrationsDir ?? defaultClickHouseMigrationsDir();
  }

  migrate(): Promise<MigrationReport> {
    return runClickHouseMigrations(this.executor, this.migrationsDir);
  }

  async upsert(rows: readonly WindowRowRecord[]): Promise<void> {
    const tuples = rows.map((row, index) => rowTuple(row, `rows[${index}]`));
    for (let start = 0; start < tuples.length; start += MAX_ROWS_PER_INSERT) {
      const chunk = tuples.slice(start, start + MAX_ROWS_PER_INSERT);
      await this.executor.command(`INSERT INTO ${TABLE} (${COLUMNS}) VALUES ${chunk.join(', ')}`);
    }
  }

  async query(query: AggregateQuery): Promise<WindowRowRecord[]> {
    const { view, from, to, limit, minRevision } = query;
    const conditions = [`view = ${sqlLiteral(requireView(view, 'query.view'))}`];
    // Safe before the merge FINAL does: a key's newest revision passes whenever an older one does.
    if (minRevision !== undefined) conditions.push(`revision >= ${sqlLiteral(requireCount(minRevision, 'query.minRevision'))}`);
    if (from !== undefined) conditions.push(`window_start >= ${sqlLiteral(requireInt(from, 'query.from'))}`);
    if (to !== undefined) conditions.push(`window_start < ${sqlLiteral(requireInt(to, 'query.to'))}`);
    const limitClause = limit === undefined ? '' : `\nLIMIT ${sqlLiteral(requireCount(limit, 'query.limit'))}`;
    // FINAL merges revisions at read time: the highest revision wins, across parts not yet merged.
    // The WHERE touches sorting-key columns, and the revision only from below, so even an engine that
    // filters before merging (PREWHERE) keeps each key's newest revision; never filter otherwise here.
    // Retracted rows (no events: a session window absorbed into another) are left out only after the
    // merge, in the outer query, so the limit counts rows that are really there.
    const rows = await this.executor.queryRows<StoredRow>(
      `SELECT view, window_start, window_end, key_json, measure_names, measure_values, event_count, is_final, revision, updated_at
FROM (
  SELECT view, window_start, window_end, group_key, key_json, measure_names, measure_values, event_count, is_final, revision, updated_at
  FROM ${TABLE} FINAL
  WHERE ${conditions.join(' AND ')}
)
WHERE event_count > 0
ORDER BY window_start, group_key${limitClause}`,
    );
    return rows.map(fromStored);
  }

  async recordLate(events: readonly LateEventRecord[]): Promise<void> {
    const tuples = events.map((event, index) => lateTuple(event, `events[${index}]`));
    for (let start = 0; start < tuples.length; start += MAX_ROWS_PER_INSERT) {
      await this.executor.command(`INSERT INTO ${LATE_TABLE} (${LATE_COLUMNS}) VALUES ${tuples.slice(start, start + MAX_ROWS_PER_INSERT).join(', ')}`);
    }
  }

  async lateEvents(query: LateEventQuery): Promise<{ total: number; events: LateEventRecord[] }> {
    const where = `view = ${sqlLiteral(requireView(query.view, 'query.view'))} AND generation = ${sqlLiteral(requireCount(query.generation, 'query.generation'))}`;
    const limit = query.limit === undefined ? '' : `\nLIMIT ${sqlLiteral(requireCount(query.limit, 'query.limit'))}`;
    // FINAL: a replayed event is stored twice until the parts merge; it counts once.
    const [counted] = await this.executor.queryRows<{ total: number | string }>(`SELECT count() AS total FROM ${LATE_TABLE} FINAL WHERE ${where}`);
    const rows = await this.executor.queryRows<StoredLateEvent>(
      `SELECT ${LATE_COLUMNS}
FROM ${LATE_TABLE} FINAL
WHERE ${where}
ORDER BY input_offset DESC, input_partition${limit}`,
    );
    return { total: int64ToNumber(counted?.total ?? 0, 'total'), events: rows.map(fromStoredLate) };
  }

  close(): Promise<void> {
    return this.executor.close();
  }
}

function lateTuple(event: LateEventRecord, at: string): string {
  if (typeof event.eventId !== 'string') throw badInput(`${at}.eventId`, 'must be a string');
  const fields = [
    requireView(event.view, `${at}.view`),
    requireCount(event.generation, `${at}.generation`),
    requireCount(event.partition, `${at}.partition`),
    requireCount(event.offset, `${at}.offset`),
    event.eventId,
    requireInt(event.eventTime, `${at}.eventTime`),
    requireInt(event.watermark, `${at}.watermark`),
    requireInt(event.receivedAt, `${at}.receivedAt`),
    requireInt(event.recordedAt, `${at}.recordedAt`),
    JSON.stringify(requireObject(event.payload, `${at}.payload`)),
  ];
  return `(${fields.map(sqlLiteral).join(', ')})`;
}

function fromStoredLate(row: StoredLateEvent): LateEventRecord {
  return {
    view: row.view,
    generation: int64ToNumber(row.generation, 'generation'),
    partition: int64ToNumber(row.input_partition, 'input_partition'),
    offset: int64ToNumber(row.input_offset, 'input_offset'),
    eventId: row.event_id,
    eventTime: int64ToNumber(row.event_time, 'event_time'),
    watermark: int64ToNumber(row.watermark, 'watermark'),
    receivedAt: int64ToNumber(row.received_at, 'received_at'),
    recordedAt: int64ToNumber(row.recorded_at, 'recorded_at'),
    payload: JSON.parse(row.payload_json) as Record<string, unknown>,
  };
}

function rowTuple(row: WindowRowRecord, at: string): string {
  const key = requireKey(row.key, `${at}.key`);
  const names = Object.keys(requireObject(row.values, `${at}.values`));
  // nan stands for "no value" (no Nullable inside the array), so a caller's NaN also reads back null.
  const values = names.map((name) => requireMeasure(row.values[name], `${at}.values.${name}`) ?? Number.NaN);
  if (typeof row.final !== 'boolean') throw badInput(`${at}.final`, 'must be a boolean');
  const fields = [
    requireView(row.view, `${at}.view`),
    requireInt(row.windowStart, `${at}.windowStart`),
    requireInt(row.windowEnd, `${at}.windowEnd`),
    JSON.stringify(Object.entries(key)),
    JSON.stringify(key),
    names,
    values,
    requireCount(row.eventCount, `${at}.eventCount`),
    row.final,
    requireCount(row.revision, `${at}.revision`),
    requireInt(row.updatedAt, `${at}.updatedAt`),
  ];
  return `(${fields.map(sqlLiteral).join(', ')})`;
}

function fromStored(row: StoredRow): WindowRowRecord {
  const values: Record<string, number | null> = {};
  row.measure_names.forEach((name, i) => {
    const value = float64FromJson(row.measure_values[i]);
    values[name] = Number.isNaN(value) ? null : value;
  });
  return {
    view: row.view,
    windowStart: int64ToNumber(row.window_start, 'window_start'),
    windowEnd: int64ToNumber(row.window_end, 'window_end'),
    key: JSON.parse(row.key_json) as Record<string, KeyValue>,
    values,
    eventCount: int64ToNumber(row.event_count, 'event_count'),
    final: Number(row.is_final) === 1,
    revision: int64ToNumber(row.revision, 'revision'),
    updatedAt: int64ToNumber(row.updated_at, 'updated_at'),
  };
}

function badInput(path: string, rule: string): GatewayError {
  return new GatewayError('BAD_USER_INPUT', `${path} ${rule}`, { path });
}

function requireView(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw badInput(path, 'must be a non-empty string');
  return value;
}

function requireInt(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value)) throw badInput(path, 'must be an integer (epoch milliseconds)');
  return value as number;
}

function requireCount(value: unknown, path: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw badInput(path, 'must be a non-negative integer');
  return value as number;
}

function requireObject(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput(path, 'must be an object');
  return value as Record<string, unknown>;
}

function requireKey(value: unknown, path: string): Record<string, KeyValue> {
  const key = requireObject(value, path);
  for (const [field, v] of Object.entries(key)) {
    const ok =
      v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    // JSON would turn NaN/Infinity into null and merge them with the null key.
    if (!ok) throw badInput(`${path}.${field}`, 'must be a string, boolean, finite number or null');
  }
  return key as Record<string, KeyValue>;
}

function requireMeasure(value: unknown, path: string): number | null {
  if (value === null || typeof value === 'number') return value;
  throw badInput(path, 'must be a number or null');
}
