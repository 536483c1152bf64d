// The stream processor. Every view is one consumer group on the log: a member owns some partitions
// of the view's input, folds their events into windows, stores the changed rows, publishes them live,
// and only then checkpoints, per partition, the offset it reached together with that partition's
// open-window state (one atomic write), and commits the offset to the group. A crash replays from the
// last checkpoint; rows carry the offset as their revision, so a replay rewrites rather than adds.
//
// A window row must have exactly one writer. When the stream's topic has one partition (always, in
// embedded mode) the view reads it directly. When it has several, events with the same group key may
// sit in different partitions, so a second group first routes every event to the view's repartition
// topic, keyed by its group key (the Kafka Streams pattern); the aggregating group reads that instead.
// Routed records carry their source partition and offset: a router that crashed before committing
// sends some records again, and the aggregator skips every one it has already applied.

import { DEFAULT_DEDUP_HORIZON_MS, type StreamDefinition, type ViewDefinition } from '../domain/definitions';
import type { LoggedEvent, RoutedEvent } from '../domain/envelope';
import { eventTopic, repartitionTopic } from '../domain/topics';
import { retry, sleep } from '../errors/retry';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AggregateStore, LateEventRecord } from '../ports/aggregate-store';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { Clock } from '../ports/clock';
import { PartitionRewind, type EventLog, type GroupMember, type LogBatch } from '../ports/event-log';
import type { LiveUpdates } from '../ports/live-updates';
import type { ControlPlane } from '../services/control-plane';
import { Deduplicator, type DedupSnapshot } from './dedup';
import { ViewWindowState, type ViewStateSnapshot } from './view-state';
import { recordProblem, StreamGuard, type EventSchemaCheck, type GuardDeps } from './stream-guard';
import { groupKeyOf } from './windows';

export interface ProcessorDeps {
  log: EventLog;
  checkpoints: CheckpointStore;
  aggregates: AggregateStore;
  live: LiveUpdates;
  controlPlane: ControlPlane;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  batchSize: number;
  /** Checks logged events against the schema their envelope names. */
  schemas: EventSchemaCheck;
  quarantine: GuardDeps['quarantine'];
  /**
   * Run a guard per stream that quarantines records breaking the stream's rules. Only a log that
   * other writers can reach (Kafka) needs it: on the embedded log every record came through ingest.
   */
  guardStreams: boolean;
  /** Most dedup keys one view partition remembers (see stream/dedup.ts). */
  dedupMaxKeys: number;
}

export interface ViewProgress {
  /** Input records stored in the aggregates, over the partitions this instance owns. */
  offset: number;
  /** The lowest watermark of those partitions. */
  watermark: number | null;
  lateEvents: number;
  foldedEvents: number;
  /** Events skipped as repeats of one already folded (same dedup key within the stream's horizon). */
  duplicateEvents: number;
  openWindows: number;
  /** Input records in the log not yet stored, over the partitions this instance owns, as last sampled. */
  lag: number;
}

interface PartitionCheckpointState {
  windows: ViewStateSnapshot;
  /** Absent in checkpoints saved before deduplication existed. */
  dedup?: DedupSnapshot;
  /** Routed input only: the highest source offset applied, per source partition. */
  sources: Record<number, number>;
}

interface PartitionState {
  windows: ViewWindowState;
  dedup: Deduplicator;
  /** Next input offset to fold; everything before it is stored. */
  offset: number;
  sources: Record<number, number>;
  /** Whether this restore already asked the log to go back to `offset` once. */
  rewound: boolean;
}

const RESTART_BACKOFF_MS = 1_000;

/** Aggregates the partitions of a view's input that this instance owns. */
class ViewAggregator implements GroupMember<LoggedEvent | RoutedEvent> {
  private readonly restoring = new Map<number, Promise<PartitionState>>();
  private readonly restored = new Map<number, PartitionState>();
  private readonly logger: Logger;
  /** Input records not yet stored, as `sampleLag` last found. */
  private sampledLag = 0;
  private joined = false;

  constructor(
    private readonly view: ViewDefinition,
    private readonly stream: StreamDefinition,
    private readonly input: { topic: string; routed: boolean },
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {
    this.logger = deps.logger.child({ view: view.name });
  }

  assigned(partitions: readonly number[]): void {
    // A partition that moved away and back may have been advanced by another member meanwhile, so
    // every owned partition starts again from its checkpoint.
    this.restoring.clear();
    this.restored.clear();
    for (const partition of partitions) this.startRestore(partition);
    this.joined = true;
  }

  /** True once the group gave this member its partitions and their checkpoints are loaded. */
  ready(): boolean {
    return this.joined && this.restored.size === this.restoring.size;
  }

  progress(): ViewProgress {
    const progress: ViewProgress = { offset: 0, watermark: null, lateEvents: 0, foldedEvents: 0, duplicateEvents: 0, openWindows: 0, lag: this.sampledLag };
    for (const state of this.restored.values()) {
      const stats = state.windows.stats();
      const watermark = state.windows.watermark();
      progress.offset += state.offset;
      progress.lateEvents += stats.lateEvents;
      progress.foldedEvents += stats.foldedEvents;
      progress.openWindows += stats.openWindows;
      progress.duplicateEvents += state.dedup.stats().duplicates;
      if (watermark !== null && (progress.watermark === null || watermark < progress.watermark)) progress.watermark = watermark;
    }
    return progress;
  }

  async handle(batch: LogBatch<LoggedEvent | RoutedEvent>): Promise<number | undefined> {
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
      const state: PartitionState = {
        windows: new ViewWindowState(this.view, this.stream.watermarkDelayMs, checkpoint?.state.windows),
        dedup: new Deduplicator(this.stream.dedupHorizonMs ?? DEFAULT_DEDUP_HORIZON_MS, this.deps.dedupMaxKeys, checkpoint?.state.dedup),
        offset: checkpoint?.offsets[this.input.topic] ?? 0,
        sources: { ...checkpoint?.state.sources },
        rewound: false,
      };
      if (this.restoring.get(partition) === restoring) this.restored.set(partition, state);
      return state;
    });
    restoring.catch(() => undefined); // reported by the handle() that awaits it
    this.restoring.set(partition, restoring);
    return restoring;
  }

  private async fold(state: PartitionState, batch: LogBatch<LoggedEvent | RoutedEvent>): Promise<number> {
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
      const event = this.input.routed ? this.unrouted(state, record.value as RoutedEvent) : (record.value as LoggedEvent);
      if (event === undefined) continue;
      // A record without an envelope cannot be placed in time; one that breaks its schema must not count.
      if (recordProblem(this.deps.schemas, event)) skipped += 1;
      else if (event.envelope.dedupKey !== undefined && state.dedup.repeated(event.envelope.dedupKey, event.envelope.eventTime)) continue;
      else if (!state.windows.fold(event)) late.push(this.lateRecord(event, batch.partition, record.offset, state.windows.watermark()!));
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
    const rows = state.windows.drain(end, clock.now());
    if (rows.length > 0) {
      const timer = metrics.aggregateWriteDuration.startTimer();
      await this.stored(() => aggregates.upsert(rows), 'aggregate write failed; retrying');
      timer();
      metrics.aggregateRowsWritten.inc({ view: name }, rows.length);
      live.publish(rows);
    }
    // Only now is everything before `end` stored: the checkpoint may move past it.
    const checkpointState: PartitionCheckpointState = { windows: state.windows.snapshot(), dedup: state.dedup.snapshot(), sources: state.sources };
    await checkpoints.save(this.jobId(batch.partition), { offsets: { [this.input.topic]: end }, state: checkpointState, savedAt: clock.now() });
    state.offset = end;
    return end;
  }

  /**
   * How many input records of the owned partitions are not stored yet: the log's end minus the
   * checkpointed offset, read from the log itself, so a processor stuck on a failing store shows its
   * lag growing rather than the lag of its last good batch.
   */
  async sampleLag(): Promise<number> {
    let lag = 0;
    for (const [partition, state] of this.restored) {
      lag += Math.max(0, (await this.deps.log.endOffset(this.input.topic, partition)) - state.offset);
    }
    this.sampledLag = lag;
    this.deps.metrics.processorLag.set({ view: this.view.name }, lag);
    return lag;
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
    return { view: this.view.name, partition, offset, eventId: envelope.eventId, eventTime: envelope.eventTime, watermark, receivedAt: envelope.receivedAt, recordedAt: this.deps.clock.now(), payload };
  }

  /** The routed event, or undefined when it was applied before (a router resent it after a crash). */
  private unrouted(state: PartitionState, routed: RoutedEvent): LoggedEvent | undefined {
    const applied = state.sources[routed.partition];
    if (applied !== undefined && routed.offset <= applied) return undefined;
    state.sources[routed.partition] = routed.offset;
    return routed.event;
  }

  private jobId(partition: number): string {
    return `view:${this.view.name}:${partition}`;
  }
}

/** Sends every event of a partitioned stream to the view's repartition topic, keyed by group key. */
class ViewRouter implements GroupMember<LoggedEvent> {
  constructor(
    private readonly view: ViewDefinition,
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {}

  assigned(): void {}

  async handle({ partition, records }: LogBatch<LoggedEvent>): Promise<number | undefined> {
    if (records.length === 0) return undefined;
    const routed: RoutedEvent[] = records.map(({ offset, value }) => ({ partition, offset, event: value }));
    const keys = records.map(({ value }) => groupKeyOf(value.payload, this.view.groupBy).canonical);
    await retry(() => this.deps.log.append(repartitionTopic(this.view.name), routed, { keys }), {
      retries: Infinity,
      signal: this.signal,
      onRetry: (error, attempt, delayMs) =>
        this.deps.logger.warn({ err: error, view: this.view.name, attempt, delayMs }, 'repartition write failed; retrying'),
    });
    return records[records.length - 1].offset + 1;
  }
}

class ViewJob {
  private aggregator: ViewAggregator | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly view: ViewDefinition,
    private readonly stream: StreamDefinition,
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {
    this.done = this.run();
  }

  ready(): boolean {
    return this.aggregator?.ready() ?? false;
  }

  progress(): ViewProgress | undefined {
    return this.aggregator?.progress();
  }

  sampleLag(): Promise<number> {
    return this.aggregator?.sampleLag() ?? Promise.resolve(0);
  }

  private async run(): Promise<void> {
    const { log } = this.deps;
    const source = eventTopic(this.view.stream);
    const partitions = await this.untilStopped(() => log.partitionCount(source), 'cannot read the stream topic');
    if (partitions === undefined) return;
    const routed = partitions > 1;
    const input = { topic: routed ? repartitionTopic(this.view.name) : source, routed };
    this.aggregator = new ViewAggregator(this.view, this.stream, input, this.deps, this.signal);
    const options = { maxRecords: this.deps.batchSize, signal: this.signal };
    const aggregator = this.aggregator;
    await Promise.all([
      routed
        ? this.untilStopped(() => log.consume(`router.${this.view.name}`, source, new ViewRouter(this.view, this.deps, this.signal), options), 'view router stopped')
        : undefined,
      this.untilStopped(() => log.consume(`view.${this.view.name}`, input.topic, aggregator, options), 'view consumer stopped'),
    ]);
  }

  /** Runs `operation` until it succeeds (a consumer: until it returns) or the processor stops. */
  private async untilStopped<T>(operation: () => Promise<T>, failure: string): Promise<T | undefined> {
    while (!this.signal.aborted) {
      try {
        return await operation();
      } catch (error) {
        if (this.signal.aborted) break;
        this.deps.logger.error({ err: error, view: this.view.name }, `${failure}; trying again`);
        await sleep(RESTART_BACKOFF_MS, this.signal);
      }
    }
    return undefined;
  }
}

/** How often each view's lag is read from the log. */
const LAG_SAMPLE_MS = 1_000;

export class StreamProcessor {
  private readonly jobs = new Map<string, ViewJob>();
  private readonly guards = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private sampling: Promise<void> | undefined;

  constructor(private readonly deps: ProcessorDeps) {}

  /**
   * The most input records any view of `stream` has not stored yet (0 before the first sample).
   * Ingest refuses new events while it is past the configured bound.
   */
  backlog(stream: string): number {
    let most = 0;
    for (const view of this.deps.controlPlane.viewsOf(stream)) most = Math.max(most, this.jobs.get(view.name)?.progress()?.lag ?? 0);
    return most;
  }

  /** Starts a job for every existing view, and for every view created later (on any instance). */
  start(): void {
    this.deps.controlPlane.onApplied((outcome) => {
      if (outcome.ok && outcome.type === 'ViewCreated') this.startJob(outcome.view);
      if (outcome.ok && outcome.type === 'StreamCreated') this.startGuard(outcome.stream.name);
    });
    for (const view of this.deps.controlPlane.views()) this.startJob(view);
    for (const stream of this.deps.controlPlane.streams()) this.startGuard(stream.name);
    this.sampling = this.sampleLagUntilStopped();
  }

  progress(view: string): ViewProgress | undefined {
    return this.jobs.get(view)?.progress();
  }

  /** True once every job has joined its consumer group and restored its partitions' checkpoints. */
  ready(): boolean {
    return [...this.jobs.values()].every((job) => job.ready());
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...[...this.jobs.values()].map((job) => job.done), ...this.guards.values(), this.sampling]);
  }

  private async sampleLagUntilStopped(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      for (const [view, job] of this.jobs) {
        // A log that cannot answer now is asked again next time; the last sample stands meanwhile.
        await job.sampleLag().catch((error: unknown) => this.deps.logger.debug({ err: error, view }, 'cannot sample view lag'));
      }
      await sleep(LAG_SAMPLE_MS, signal);
    }
  }

  private startGuard(stream: string): void {
    if (!this.deps.guardStreams || this.guards.has(stream) || this.abort.signal.aborted) return;
    const { log, logger } = this.deps;
    const signal = this.abort.signal;
    const guard = new StreamGuard(stream, this.deps);
    this.guards.set(
      stream,
      (async () => {
        while (!signal.aborted) {
          try {
            await log.consume(`guard.${stream}`, eventTopic(stream), guard, { maxRecords: this.deps.batchSize, signal });
          } catch (error) {
            if (signal.aborted) break;
            logger.error({ err: error, stream }, 'stream guard stopped; trying again');
            await sleep(RESTART_BACKOFF_MS, signal);
          }
        }
      })(),
    );
  }

  private startJob(view: ViewDefinition): void {
    if (this.jobs.has(view.name) || this.abort.signal.aborted) return;
    const stream = this.deps.controlPlane.stream(view.stream);
    if (!stream) return;
    this.jobs.set(view.name, new ViewJob(view, stream, this.deps, this.abort.signal));
  }
}
