// Streams and views as the control plane stores them, and the rules a definition must follow.
// Pure: validation returns every broken rule with the field that broke it.

import { parseDuration } from './duration';

export const MEASURE_FUNCTIONS = ['COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'UNIQ', 'P50', 'P90', 'P95', 'P99'] as const;
export type MeasureFunction = (typeof MEASURE_FUNCTIONS)[number];

export interface StreamDefinition {
  name: string;
  description: string;
  /** Field of each event that holds its event time (epoch ms number, or ISO-8601 string). */
  timestampField: string;
  /** How far behind the newest event time the watermark trails, to wait for out-of-order events. */
  watermarkDelayMs: number;
  /**
   * Event field whose value picks the partition, so events with equal values stay in order; null
   * (or absent, in streams defined before partition keys) spreads events by their event id.
   */
  partitionKey?: string | null;
  /** Partitions the log was asked for when the stream was created; null for the server setting. */
  partitions?: number | null;
  /** Replication factor the log was asked for; null for the server setting, -1 for the cluster's default. */
  replicationFactor?: number | null;
  /**
   * Event field holding a producer's own id for each event: events repeating an id within the dedup
   * horizon are counted once. Null or absent: only batches sent with an idempotency key are deduplicated.
   */
  eventIdField?: string | null;
  /** Event-time span over which a repeated event id is recognized (absent in older streams: the default). */
  dedupHorizonMs?: number;
  /**
   * Processing time after which a partition without new records stops holding back the watermark of
   * views over several partitions (Flink's withIdleness); absent in older streams: the default.
   */
  idleTimeoutMs?: number;
  createdAt: number;
  createdBy: string;
}

export interface MeasureDefinition {
  name: string;
  fn: MeasureFunction;
  /** The event field the measure reads; absent only for COUNT. */
  field?: string;
}

export interface ViewDefinition {
  name: string;
  stream: string;
  description: string;
  /** Window size; for session windows, the gap (a session's row runs from its first event to its last plus this). */
  windowMs: number;
  /** Slide of hopping windows; null for tumbling windows. */
  hopMs: number | null;
  /** Session windows: the gap of event time without events that ends a session. Null or absent: fixed windows. */
  sessionGapMs?: number | null;
  /**
   * How long past its end (in watermark time) a window still takes late events, each emitting a
   * corrected final row (Flink's allowedLateness). Absent in views made before it existed: 0.
   */
  allowedLatenessMs?: number;
  /**
   * Events before this event time are left out (a view made, or rebuilt, "from" a time); null or
   * absent: the stream's whole history.
   */
  fromMs?: number | null;
  /** Bumped by each rebuild; rows of older generations are no longer the view's. Absent: 0. */
  generation?: number;
  groupBy: string[];
  measures: MeasureDefinition[];
  createdAt: number;
  createdBy: string;
}

export interface RuleViolation {
  path: string;
  rule: string;
  message: string;
}

const NAME = /^[a-z][a-z0-9_]{0,62}$/;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const MAX_WINDOWS_PER_EVENT = 100;
const MAX_WATERMARK_DELAY_MS = 86_400_000;
const MAX_ALLOWED_LATENESS_MS = 7 * 86_400_000;
const MAX_SESSION_GAP_MS = 86_400_000;
export const MAX_STREAM_PARTITIONS = 1_024;
const MAX_REPLICATION_FACTOR = 32;

export function checkName(value: string, path: string): RuleViolation[] {
  return NAME.test(value)
    ? []
    : [{ path, rule: 'name', message: `${path} must be 1-63 characters of a-z, 0-9 and _, starting with a letter; got ${JSON.stringify(value)}` }];
}

export function checkFieldPath(value: string, path: string): RuleViolation[] {
  return FIELD.test(value)
    ? []
    : [{ path, rule: 'field-path', message: `${path} must be a field name or dotted path such as "user.country"; got ${JSON.stringify(value)}` }];
}

export interface StreamDraft {
  name: string;
  description?: string | null;
  timestampField?: string | null;
  watermarkDelay?: string | null;
  partitionKey?: string | null;
  partitions?: number | null;
  replicationFactor?: number | null;
  eventIdField?: string | null;
  dedupHorizon?: string | null;
  idleTimeout?: string | null;
}

/** How long event ids are remembered when a stream does not say. */
export const DEFAULT_DEDUP_HORIZON_MS = 3_600_000;
const MAX_DEDUP_HORIZON_MS = 7 * 86_400_000;
/** How long a silent partition holds back the watermark when a stream does not say. */
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
const MAX_IDLE_TIMEOUT_MS = 86_400_000;

export function streamIdleTimeoutMs(stream: StreamDefinition): number {
  return stream.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
}

export function checkStreamDraft(draft: StreamDraft): RuleViolation[] {
  const problems = [...checkName(draft.name, 'name'), ...checkFieldPath(draft.timestampField ?? 'ts', 'timestampField')];
  if (draft.partitionKey != null) problems.push(...checkFieldPath(draft.partitionKey, 'partitionKey'));
  if (draft.eventIdField != null) problems.push(...checkFieldPath(draft.eventIdField, 'eventIdField'));
  if (draft.dedupHorizon != null) {
    const ms = parseDuration(draft.dedupHorizon);
    if (!ms || ms > MAX_DEDUP_HORIZON_MS) {
      problems.push({ path: 'dedupHorizon', rule: 'duration', message: `dedupHorizon must be a positive duration up to "7d" such as "1h"; got ${JSON.stringify(draft.dedupHorizon)}` });
    }
  }
  if (draft.idleTimeout != null) {
    const ms = parseDuration(draft.idleTimeout);
    if (!ms || ms > MAX_IDLE_TIMEOUT_MS) {
      problems.push({ path: 'idleTimeout', rule: 'duration', message: `idleTimeout must be a positive duration up to "1d" such as "1m"; got ${JSON.stringify(draft.idleTimeout)}` });
    }
  }
  const { partitions, replicationFactor } = draft;
  if (partitions != null && !(Number.isInteger(partitions) && partitions >= 1 && partitions <= MAX_STREAM_PARTITIONS)) {
    problems.push({ path: 'partitions', rule: 'range', message: `partitions must be a whole number from 1 to ${MAX_STREAM_PARTITIONS}; got ${partitions}` });
  }
  if (replicationFactor != null && !(Number.isInteger(replicationFactor) && (replicationFactor === -1 || (replicationFactor >= 1 && replicationFactor <= MAX_REPLICATION_FACTOR)))) {
    problems.push({
      path: 'replicationFactor',
      rule: 'range',
      message: `replicationFactor must be -1 (the cluster's default) or a whole number from 1 to ${MAX_REPLICATION_FACTOR}; got ${replicationFactor}`,
    });
  }
  if (draft.watermarkDelay != null) {
    const ms = parseDuration(draft.watermarkDelay);
    if (ms === undefined || ms > MAX_WATERMARK_DELAY_MS) {
      problems.push({ path: 'watermarkDelay', rule: 'duration', message: `watermarkDelay must be a duration from "0s" to "1d" such as "5s"; got ${JSON.stringify(draft.watermarkDelay)}` });
    }
  }
  return problems;
}

export interface ViewDraft {
  name: string;
  stream: string;
  description?: string | null;
  /** Window size, for tumbling and hopping windows. */
  window?: string | null;
  hop?: string | null;
  /** Session windows: the gap that ends a session (instead of window and hop). */
  session?: string | null;
  allowedLateness?: string | null;
  /** Epoch ms: leave out events before it. */
  fromMs?: number | null;
  groupBy?: string[] | null;
  measures: { name: string; fn: MeasureFunction; field?: string | null }[];
}

export function checkViewDraft(draft: ViewDraft): RuleViolation[] {
  const problems = [...checkName(draft.name, 'name'), ...checkName(draft.stream, 'stream')];
  if (draft.session != null) {
    const gapMs = parseDuration(draft.session);
    if (!gapMs || gapMs > MAX_SESSION_GAP_MS) {
      problems.push({ path: 'session', rule: 'duration', message: `session must be a positive duration up to "1d", the gap that ends a session, such as "30m"; got ${JSON.stringify(draft.session)}` });
    }
    if (draft.window != null || draft.hop != null) {
      problems.push({ path: 'session', rule: 'one-window-kind', message: 'a view has either session windows (session) or fixed ones (window, and hop for hopping windows), not both' });
    }
    return [...problems, ...checkViewRest(draft)];
  }
  const windowMs = draft.window == null ? undefined : parseDuration(draft.window);
  if (!windowMs) {
    problems.push({ path: 'window', rule: 'duration', message: `window must be a positive duration such as "1m" or "10s" (or give session for session windows); got ${JSON.stringify(draft.window ?? null)}` });
  }
  if (draft.hop != null) {
    const hopMs = parseDuration(draft.hop);
    if (!hopMs) {
      problems.push({ path: 'hop', rule: 'duration', message: `hop must be a positive duration such as "30s"; got ${JSON.stringify(draft.hop)}` });
    } else if (windowMs && (hopMs > windowMs || windowMs / hopMs > MAX_WINDOWS_PER_EVENT)) {
      problems.push({ path: 'hop', rule: 'hop-range', message: `hop must be at most the window (${draft.window}) and at least 1/${MAX_WINDOWS_PER_EVENT} of it; got ${draft.hop}` });
    }
  }
  return [...problems, ...checkViewRest(draft)];
}

/** The rules every view follows, whatever its windows. */
function checkViewRest(draft: ViewDraft): RuleViolation[] {
  const problems: RuleViolation[] = [];
  if (draft.allowedLateness != null) {
    const ms = parseDuration(draft.allowedLateness);
    if (ms === undefined || ms > MAX_ALLOWED_LATENESS_MS) {
      problems.push({ path: 'allowedLateness', rule: 'duration', message: `allowedLateness must be a duration from "0s" to "7d" such as "30s"; got ${JSON.stringify(draft.allowedLateness)}` });
    }
  }
  const groupBy = draft.groupBy ?? [];
  groupBy.forEach((field, i) => problems.push(...checkFieldPath(field, `groupBy[${i}]`)));
  if (new Set(groupBy).size !== groupBy.length) {
    problems.push({ path: 'groupBy', rule: 'unique', message: 'groupBy lists a field more than once' });
  }
  if (draft.measures.length === 0) {
    problems.push({ path: 'measures', rule: 'non-empty', message: 'a view needs at least one measure' });
  }
  const seen = new Set<string>();
  draft.measures.forEach((measure, i) => {
    const at = `measures[${i}]`;
    problems.push(...checkName(measure.name, `${at}.name`));
    if (seen.has(measure.name)) {
      problems.push({ path: `${at}.name`, rule: 'unique', message: `measure name "${measure.name}" is used twice` });
    }
    seen.add(measure.name);
    if (!MEASURE_FUNCTIONS.includes(measure.fn)) {
      problems.push({ path: `${at}.fn`, rule: 'enum', message: `${at}.fn must be one of ${MEASURE_FUNCTIONS.join(', ')}` });
    } else if (measure.fn !== 'COUNT' && !measure.field) {
      problems.push({ path: `${at}.field`, rule: 'required', message: `${at}.field is required for ${measure.fn}` });
    } else if (measure.field) {
      problems.push(...checkFieldPath(measure.field, `${at}.field`));
    }
  });
  return problems;
}

/** Every event field a view reads: its group keys and the fields of its measures. */
export function fieldsReadByView(view: ViewDefinition): string[] {
  const fields = [...view.groupBy, ...view.measures.flatMap((m) => (m.field ? [m.field] : []))];
  return [...new Set(fields)];
}

/**
 * The revision a view's row gets: the log position it reflects, above every revision of the view's
 * earlier generations, so the rows of a rebuild replace the old ones and old ones can be told apart.
 */
export function rowRevision(view: Pick<ViewDefinition, 'generation'>, offset: number): number {
  return generationBase(view) + offset;
}

/** The lowest revision a row of the view's current generation can have. */
export function generationBase(view: Pick<ViewDefinition, 'generation'>): number {
  return (view.generation ?? 0) * GENERATION_SPAN;
}

/** 2^40 log positions per generation: room for a trillion records per partition, and 8,190 rebuilds. */
const GENERATION_SPAN = 2 ** 40;
export const MAX_VIEW_GENERATION = Math.floor(Number.MAX_SAFE_INTEGER / GENERATION_SPAN) - 1;
