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
  /** Only rows at or above this revision: a rebuilt view's rows, not its earlier generations'. */
  minRevision?: number;
}

/** An event a view could not fold because it came too late: the late side output. */
export interface LateEventRecord {
  view: string;
  /** The view's generation (0 until it is first rebuilt). */
  generation: number;
  /** Where it sits in the view's input; together they identify it, so a replay rewrites it. */
  partition: number;
  offset: number;
  eventId: string;
  eventTime: number;
  /** The watermark of its partition when it arrived. */
  watermark: number;
  receivedAt: number;
  /** When the processor set it aside (epoch ms). */
  recordedAt: number;
  payload: Record<string, unknown>;
}

export interface LateEventQuery {
  view: string;
  generation: number;
  /** Most events to return, highest input offset first. */
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
  /** Latest revision of each row, ordered by windowStart then key; rows whose latest revision holds no events (retractions) are left out. */
  query(query: AggregateQuery): Promise<WindowRowRecord[]>;
  /** Stores late events idempotently (by view, partition, offset); resolves once durable. */
  recordLate(events: readonly LateEventRecord[]): Promise<void>;
  /** A view's late events, newest first, and how many it has in all. */
  lateEvents(query: LateEventQuery): Promise<{ total: number; events: LateEventRecord[] }>;
  close(): Promise<void>;
}
