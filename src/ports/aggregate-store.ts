// Where window aggregates live: ClickHouse (chDB embedded, or a server). Every row is owned by one
// writer and carries a revision; an upsert of an existing (view, windowStart, key) with a higher or
// equal revision replaces it, so replaying the log rewrites rows instead of adding to them.

export type KeyValue = string | number | boolean | null;

export interface WindowRowRecord {
  view: string;
  /** Epoch ms, inclusive. */
  windowStart: number;
  /** Epoch ms, exclusive. */
  windowEnd: number;
  /** Each groupBy field mapped to its value; {} when the view has no groupBy. */
  key: Record<string, KeyValue>;
  /** Each measure name mapped to its value; null when no event had a usable value. */
  values: Record<string, number | null>;
  eventCount: number;
  final: boolean;
  revision: number;
  /** Epoch ms when the processor produced this revision. */
  updatedAt: number;
}

export interface AggregateQuery {
  view: string;
  /** Windows starting at or after this epoch ms. */
  from?: number;
  /** Windows starting before this epoch ms. */
  to?: number;
  /** Most rows to return (newest windows first are NOT implied: rows are ordered by windowStart, key). */
  limit?: number;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export interface AggregateStore {
  /** Applies pending migrations from migrations/clickhouse/, refusing if an applied file changed. */
  migrate(): Promise<MigrationReport>;
  /** Stores the rows idempotently; resolves once they are durable and visible to queries. */
  upsert(rows: readonly WindowRowRecord[]): Promise<void>;
  /** Latest revision of each row, ordered by windowStart then key. */
  query(query: AggregateQuery): Promise<WindowRowRecord[]>;
  close(): Promise<void>;
}
