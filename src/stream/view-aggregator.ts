// One view's aggregation of the input partitions this instance owns: restores each partition's
// checkpoint, folds its events (skipping repeats and records that break the stream's rules, setting
// late ones aside), stores the changed window rows and the late events, publishes the rows live, and
// only then checkpoints the offset reached with the partition's open windows and dedup keys, in one
// atomic write. A crash replays from the last checkpoint; rows carry the offset in their revision, so
// a replay rewrites rather than adds.

import { DedupKeys } from '../domain/dedup-keys';
import { DEFAULT_DEDUP_HORIZON_MS, rowRevision, type StreamDefinition, type ViewDefinition } from '../domain/definitions';
import { isRoutedWatermark, type LoggedEvent, type RoutedRecord } from '../domain/envelope';
import { retry } from '../errors/retry';
import type { Logger } from '../observability/logger';
import type { LateEventRecord, WindowRowRecord } from '../ports/aggregate-store';
import { PartitionRewind, type GroupMember, type LogBatch } from '../ports/event-log';
import { Deduplicator, type DedupSnapshot } from './dedup';
import type { ProcessorDeps } from './processor';
import { recordProblem } from './stream-guard';
import { SessionWindowState, type SessionStateSnapshot } from './session-state';
import { ViewWindowState, type ViewStateSnapshot, type WindowState } from './view-state';
import { SourceWatermarks, type SourceWatermarksSnapshot } from './watermarks';

export interface ViewProgress {
  /** Input records stored in the aggregates, over the partitions this instance owns. */
  offset: number;
  /**
   * Events of the stream among them: the same as `offset` on direct input; on routed input, the
   * stream's events applied (not the routers' watermark records, nor events a router sent twice).
   */
  processedEvents: number;
  /** The lowest watermark of those partitions. */
  watermark: number | null;
  lateEvents: number;
  foldedEvents: number;
  /** Events skipped as repeats of one already folded (same dedup key within the stream's horizon). */
  duplicateEvents: number;
  openWindows: number;
  /** Input records in the log not yet stored, over the partitions this instance owns, as last sampled. */
  lag: number;
  /** When `lag` was sampled (epoch ms); null before the first sample. */
  lagSampledAt: number | null;
  /**
   * Whether the view has been within one batch of the log's end since it started here: a view still
   * working through the stream's history is not what backpressure is for.
   */
  caughtUp: boolean;
}

interface PartitionCheckpointState {
  windows: ViewStateSnapshot | SessionStateSnapshot;
  /** Absent in checkpoints saved before deduplication existed. */
  dedup?: DedupSnapshot;
  /** Routed input only: the highest source offset applied, per source partition. */
  sources: Record<number, number>;
  /** Routed input only: the watermarks the source partitions sent. */
  sourceWatermarks?: SourceWatermarksSnapshot;
  /** Routed input only: the stream's events applied up to the checkpoint's offset. */
  routedEvents?: number;
}

interface PartitionState {
  windows: WindowState;
  /** What the last checkpoint holds (the state at `offset`). */
  saved: PartitionCheckpointState | undefined;
  dedup: Deduplicator;
  /** Next input offset to fold; everything before it is stored. */
  offset: number;
  sources: Record<number, number>;
  /** Routed input only: the source partitions' watermarks, whose minimum moves the windows' watermark. */
  sourceWatermarks: SourceWatermarks | undefined;
  /** Routed input only: the stream's events applied before `offset`. */
  routedEvents: number;
  /** Whether this restore already asked the log to go back to `offset` once. */
  rewound: boolean;
}

/** Aggregates the partitions of a view's input that this instance owns. */
export class ViewAggregator implements GroupMember<LoggedEvent | RoutedRecord> {
  private readonly restoring = new Map<number, Promise<PartitionState>>();
  private readonly restored = new Map<number, PartitionState>();
  /**
   * Of every owned partition, as last stored: the next offset to fold and the stream's events among
   * the records before it (see ViewProgress). Kept while a partition restarts.
   */
  private readonly positions = new Map<number, { offset: number; events: number }>();
  private readonly logger: Logger;
  private readonly dedupKeys: DedupKeys;
  private readonly dedupHorizonMs: number;
  private readonly revisionOf: (offset: number) => number;
  /** Input records not yet stored, as `sampleLag` last found, and when. */
  private sampledLag = 0;
  private lagSampledAt: number | null = null;
  private caughtUp = false;
  private joined = false;

  constructor(
    private readonly view: ViewDefinition,
    private readonly stream: StreamDefinition,
    /** The topic read: the stream's own (one partition), or the view's repartition topic fed by the stream's `sourcePartitions`. */
    private readonly input: { topic: string; routed: boolean; sourcePartitions: number },
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {
    this.logger = deps.logger.child({ view: view.name });
    this.dedupKeys = new DedupKeys(stream.eventIdField);
    // A repeat must be recognized for as long as any window could still count it.
    this.dedupHorizonMs = Math.max(stream.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS, view.windowMs + (view.allowedLatenessMs ?? 0));
    this.revisionOf = (offset) => rowRevision(view, offset);
  }

  assigned(partitions: readonly number[]): void {
    // A partition that moved away and back may have been advanced by another member meanwhile, so
    // every owned partition starts again from its checkpoint.
    this.restoring.clear();
    this.restored.clear();
    this.positions.clear();
    this.caughtUp = false;
    for (const partition of partitions) this.startRestore(partition);
    this.joined = true;
    this.deps.metrics.processorPartitions.set({ view: this.view.name }, partitions.length);
  }

  /** True once the group gave this member its partitions and their checkpoints are loaded. */
  ready(): boolean {
    return this.joined && this.restored.size === this.restoring.size;
  }

  /** The last lag sample alone: cheap enough for ingest to ask on every request. */
  lagSample(): Pick<ViewProgress, 'lag' | 'lagSampledAt' | 'caughtUp'> {
    return { lag: this.sampledLag, lagSampledAt: this.lagSampledAt, caughtUp: this.caughtUp };
  }

  progress(): ViewProgress {
    const progress: ViewProgress = {
      offset: 0,
      processedEvents: 0,
      watermark: null,
      lateEvents: 0,
      foldedEvents: 0,
      duplicateEvents: 0,
      openWindows: 0,
      ...this.lagSample(),
    };
    for (const { offset, events } of this.positions.values()) {
      progress.offset += offset;
      progress.processedEvents += events;
    }
    for (const state of this.restored.values()) {
      const stats = state.windows.stats();
      const watermark = state.windows.watermark();
      progress.lateEvents += stats.lateEvents;
      progress.foldedEvents += stats.foldedEvents;
      progress.openWindows += stats.openWindows;
      progress.duplicateEvents += state.dedup.stats().duplicates;
      if (watermark !== null && (progress.watermark === null || watermark < progress.watermark)) progress.watermark = watermark;
    }
    return progress;
  }

  async handle(batch: LogBatch<LoggedEvent | RoutedRecord>): Promise<number | undefined> {
    const { partition } = batch;
    try {
      const state = await (this.restoring.get(partition) ?? this.startRestore(partition));
      return await this.fold(state, batch);
    } catch (error) {
      if (error instanceof PartitionRewind) throw error; // the state is untouched and stays
      // The open windows may be half-updated; the checkpoint is the truth, so start over from it.
      if (!this.signal.aborted) this.logger.error({ err: error, partition }, 'view partition failed; restarting from its last checkpoint');
      this.restored.delete(partition);
      this.restoring.delete(partition);
      throw error;
    }
  }

  private startRestore(partition: number): Promise<PartitionState> {
    const restoring = this.deps.checkpoints.load<PartitionCheckpointState>(this.jobId(partition)).then((checkpoint) => {
      const { routed, sourcePartitions } = this.input;
      const state: PartitionState = {
        windows: this.windowState(checkpoint?.state.windows),
        saved: checkpoint?.state,
        dedup: new Deduplicator(this.dedupHorizonMs, this.deps.dedupMaxKeys, checkpoint?.state.dedup),
        offset: checkpoint?.offsets[this.input.topic] ?? 0,
        sources: { ...checkpoint?.state.sources },
        sourceWatermarks: routed ? new SourceWatermarks(sourcePartitions, checkpoint?.state.sourceWatermarks) : undefined,
        routedEvents: checkpoint?.state.routedEvents ?? 0,
        rewound: false,
      };
      const windows = checkpoint?.state.windows;
      if (routed && windows && windows.watermark === undefined && windows.maxEventTime !== null) {
        // Saved before routed views took their watermark from the sources: it was its own events'.
        state.windows.advanceWatermark(windows.maxEventTime - this.stream.watermarkDelayMs);
      }
      if (this.restoring.get(partition) === restoring) {
        this.restored.set(partition, state);
        this.positions.set(partition, this.position(state));
      }
      return state;
    });
    restoring.catch(() => undefined); // reported by the handle() that awaits it
    this.restoring.set(partition, restoring);
    return restoring;
  }

  private async fold(state: PartitionState, batch: LogBatch<LoggedEvent | RoutedRecord>): Promise<number> {
    const { aggregates, checkpoints, live, metrics, clock } = this.deps;
    const name = this.view.name;
    const last = batch.records[batch.records.length - 1];
    // The group may hand out records the checkpoint already covers (a crash between checkpoint and commit).
    if (!last || last.offset < state.offset) return state.offset;
    // Or start past it: the checkpoint is older than the group's commit (a member that lost the
    // partition saved after its successor did). Go back once; a gap that remains was deleted by the
    // topic's retention and cannot be read again.
    if (batch.records[0].offset > state.offset) {
      if (!state.rewound) {
        state.rewound = true;
        throw new PartitionRewind(batch.partition, state.offset);
      }
      this.logger.error({ partition: batch.partition, from: state.offset, to: batch.records[0].offset }, 'records between the checkpoint and the log are gone (retention?); continuing without them');
    }
    const end = last.offset + 1;

    const before = state.windows.stats();
    const dedupBefore = state.dedup.stats();
    let skipped = 0;
    const late: LateEventRecord[] = [];
    for (const record of batch.records) {
      if (record.offset < state.offset) continue;
      const event = this.input.routed ? this.unrouted(state, record.value as RoutedRecord) : (record.value as LoggedEvent);
      if (event === undefined) continue;
      // A record without an envelope cannot be placed in time; one that breaks its schema must not count.
      if (recordProblem(this.deps.schemas, event)) {
        skipped += 1;
        continue;
      }
      if (this.view.fromMs != null && event.envelope.eventTime < this.view.fromMs) continue; // before the view's start
      const dedupKey = this.dedupKeys.keyOf(event.payload, event.envelope.dedupKey);
      if (dedupKey !== undefined && state.dedup.repeated(dedupKey, event.envelope.eventTime, state.windows.watermark())) continue;
      if (!state.windows.fold(event)) late.push(this.lateRecord(event, batch.partition, record.offset, state.windows.watermark()!));
    }
    if (skipped > 0) {
      metrics.processorInvalidEvents.inc({ view: name }, skipped);
      this.logger.warn({ partition: batch.partition, records: skipped }, 'skipped records that break the stream\'s rules (no envelope, or a schema violation)');
    }
    const after = state.windows.stats();
    metrics.processorEvents.inc({ view: name }, after.foldedEvents - before.foldedEvents);
    metrics.processorLateEvents.inc({ view: name }, after.lateEvents - before.lateEvents);
    state.dedup.expire(state.windows.watermark());
    const dedupAfter = state.dedup.stats();
    metrics.processorDuplicateEvents.inc({ view: name }, dedupAfter.duplicates - dedupBefore.duplicates);
    metrics.processorDedupEvictedEarly.inc({ view: name }, dedupAfter.evictedEarly - dedupBefore.evictedEarly);

    // Late events are stored before the checkpoint moves past them, like the rows: a replay rewrites both.
    if (late.length > 0) await this.stored(() => aggregates.recordLate(late), 'late-event write failed; retrying');
    const rows = state.windows.drain(this.revisionOf(end), clock.now());
    if (rows.length > 0 && state.windows instanceof SessionWindowState) await this.saveIntents(state, batch.partition, rows);
    if (rows.length > 0) {
      const timer = metrics.aggregateWriteDuration.startTimer();
      await this.stored(() => aggregates.upsert(rows), 'aggregate write failed; retrying');
      timer();
      metrics.aggregateRowsWritten.inc({ view: name }, rows.length);
      live.publish(rows);
    }
    // Only now is everything before `end` stored: the checkpoint may move past it.
    const checkpointState: PartitionCheckpointState = {
      windows: state.windows.snapshot() as PartitionCheckpointState['windows'],
      dedup: state.dedup.snapshot(),
      sources: { ...state.sources }, // a copy: the next batches change state.sources, and saveIntents reuses this
      ...(state.sourceWatermarks ? { sourceWatermarks: state.sourceWatermarks.snapshot(), routedEvents: state.routedEvents } : {}),
    };
    await checkpoints.save(this.jobId(batch.partition), { offsets: { [this.input.topic]: end }, state: checkpointState, savedAt: clock.now() });
    state.saved = checkpointState;
    state.offset = end;
    this.positions.set(batch.partition, this.position(state));
    return end;
  }

  /**
   * How many input records of the owned partitions are not stored yet: the log's end minus the last
   * stored offset, read from the log itself, so a processor stuck on a failing store (or restarting a
   * partition from its checkpoint) shows its lag growing rather than the lag of its last good batch.
   * Routed views measure their repartition topic; the router's own lag is not counted.
   */
  async sampleLag(): Promise<number> {
    let lag = 0;
    for (const [partition, { offset }] of this.positions) {
      if (this.signal.aborted) break;
      lag += Math.max(0, (await this.deps.log.endOffset(this.input.topic, partition)) - offset);
    }
    this.sampledLag = lag;
    this.lagSampledAt = this.deps.clock.now();
    if (lag <= this.deps.batchSize) this.caughtUp = true;
    this.deps.metrics.processorLag.set({ view: this.view.name }, lag);
    return lag;
  }

  /**
   * Before a session view stores rows: the last checkpoint again, with the rows about to be written
   * added, so a replay after a crash can retract those it does not write itself (see session-state.ts).
   */
  private async saveIntents(state: PartitionState, partition: number, rows: readonly WindowRowRecord[]): Promise<void> {
    const intents = SessionWindowState.intents(rows);
    if (intents.length === 0) return;
    const saved = state.saved ?? { windows: this.windowState(undefined).snapshot() as SessionStateSnapshot, sources: {} };
    const windows = saved.windows as SessionStateSnapshot;
    const withIntents: PartitionCheckpointState = { ...saved, windows: { ...windows, unconfirmed: [...(windows.unconfirmed ?? []), ...intents] } };
    await this.deps.checkpoints.save(this.jobId(partition), { offsets: { [this.input.topic]: state.offset }, state: withIntents, savedAt: this.deps.clock.now() });
    state.saved = withIntents;
  }

  /** Runs a store write until it succeeds or the processor stops: the checkpoint must not pass unstored data. */
  private stored(write: () => Promise<void>, failure: string): Promise<void> {
    return retry(write, {
      retries: Infinity,
      signal: this.signal,
      onRetry: (error, attempt, delayMs) => this.logger.warn({ err: error, attempt, delayMs }, failure),
    });
  }

  private lateRecord(event: LoggedEvent, partition: number, offset: number, watermark: number): LateEventRecord {
    const { envelope, payload } = event;
    return { view: this.view.name, generation: this.view.generation ?? 0, partition, offset, eventId: envelope.eventId, eventTime: envelope.eventTime, watermark, receivedAt: envelope.receivedAt, recordedAt: this.deps.clock.now(), payload };
  }

  /**
   * The routed event, or undefined when it was applied before (a router resent it after a crash) or
   * is a source's watermark, which moves the windows' watermark to the least over the active sources.
   */
  private unrouted(state: PartitionState, routed: RoutedRecord): LoggedEvent | undefined {
    if (isRoutedWatermark(routed)) {
      state.sourceWatermarks!.mark(routed.partition, routed.watermark, routed.idle);
      const combined = state.sourceWatermarks!.combined();
      if (combined !== null) state.windows.advanceWatermark(combined);
      return undefined;
    }
    const applied = state.sources[routed.partition];
    if (applied !== undefined && routed.offset <= applied) return undefined;
    state.sources[routed.partition] = routed.offset;
    state.routedEvents += 1;
    return routed.event;
  }

  private position(state: PartitionState): { offset: number; events: number } {
    return { offset: state.offset, events: this.input.routed ? state.routedEvents : state.offset };
  }

  /**
   * Session windows or fixed ones, as the view asks, restored from a snapshot of the same kind. Their
   * watermark follows their own events on direct input, and the sources' watermarks on routed input.
   */
  private windowState(snapshot: PartitionCheckpointState['windows'] | undefined): WindowState {
    const delayMs = this.input.routed ? null : this.stream.watermarkDelayMs;
    if (this.view.sessionGapMs != null) return new SessionWindowState(this.view, delayMs, snapshot as SessionStateSnapshot | undefined);
    return new ViewWindowState(this.view, delayMs, snapshot as ViewStateSnapshot | undefined);
  }

  /** Checkpoints are per view generation: a rebuilt view starts from none. */
  private jobId(partition: number): string {
    const generation = this.view.generation ?? 0;
    return generation === 0 ? `view:${this.view.name}:${partition}` : `view:${this.view.name}@${generation}:${partition}`;
  }
}

