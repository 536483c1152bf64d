// The stream processor: one job per view reads the view's stream from the log, folds events into
// windows, stores the changed rows, publishes them live, and only then checkpoints its log offset
// together with its open-window state, in one atomic write. A crash replays from the last
// checkpoint; rows carry the log offset as their revision, so a replay rewrites rather than adds.

import type { ViewDefinition } from '../domain/definitions';
import type { LoggedEvent } from '../domain/envelope';
import { eventTopic } from '../domain/topics';
import { retry, sleep } from '../errors/retry';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AggregateStore } from '../ports/aggregate-store';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { Clock } from '../ports/clock';
import type { EventLog } from '../ports/event-log';
import type { LiveUpdates } from '../ports/live-updates';
import type { ControlPlane } from '../services/control-plane';
import { ViewWindowState, type ViewStateSnapshot } from './view-state';

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
}

export interface ViewProgress {
  /** Next log offset the view will read; everything before it is stored in the aggregates. */
  offset: number;
  watermark: number | null;
  lateEvents: number;
  foldedEvents: number;
  openWindows: number;
}

const IDLE_WAIT_MS = 250;
const CRASH_BACKOFF_MS = 1_000;

class ViewJob {
  private readonly topic: string;
  private readonly jobId: string;
  private state!: ViewWindowState;
  private offset = 0;
  readonly done: Promise<void>;
  restored = false;

  constructor(
    private readonly view: ViewDefinition,
    private readonly watermarkDelayMs: number,
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {
    this.topic = eventTopic(view.stream);
    this.jobId = `view:${view.name}`;
    this.done = this.run();
  }

  progress(): ViewProgress {
    return { offset: this.offset, watermark: this.state?.watermark() ?? null, ...(this.state?.stats() ?? { lateEvents: 0, foldedEvents: 0, openWindows: 0 }) };
  }

  private async run(): Promise<void> {
    const logger = this.deps.logger.child({ view: this.view.name });
    while (!this.signal.aborted) {
      try {
        await this.restore();
        while (!this.signal.aborted) await this.step();
      } catch (error) {
        if (this.signal.aborted) break;
        // Open-window state may be half-updated; the checkpoint is the truth, so start over from it.
        logger.error({ err: error }, 'view job failed; restarting from its last checkpoint');
        await sleep(CRASH_BACKOFF_MS, this.signal);
      }
    }
  }

  private async restore(): Promise<void> {
    const checkpoint = await this.deps.checkpoints.load<ViewStateSnapshot>(this.jobId);
    this.offset = checkpoint?.offsets[this.topic] ?? 0;
    this.state = new ViewWindowState(this.view, this.watermarkDelayMs, checkpoint?.state);
    this.restored = true;
  }

  private async step(): Promise<void> {
    const { log, aggregates, checkpoints, live, metrics, clock, batchSize } = this.deps;
    const records = await log.read<LoggedEvent>(this.topic, this.offset, batchSize);
    const end = this.offset + records.length;
    if (records.length === 0) {
      metrics.processorLag.set({ view: this.view.name }, 0);
      // Register for the wake-up before looking again, so an append in between is not missed.
      const appended = log.waitForAppend(IDLE_WAIT_MS);
      if ((await log.endOffset(this.topic)) === this.offset) await appended;
      return;
    }
    metrics.processorLag.set({ view: this.view.name }, Math.max(0, (await log.endOffset(this.topic)) - end));
    const before = this.state.stats();
    for (const record of records) this.state.fold(record.value);
    const after = this.state.stats();
    metrics.processorEvents.inc({ view: this.view.name }, after.foldedEvents - before.foldedEvents);
    metrics.processorLateEvents.inc({ view: this.view.name }, after.lateEvents - before.lateEvents);

    const rows = this.state.drain(end, clock.now());
    if (rows.length > 0) {
      const timer = metrics.aggregateWriteDuration.startTimer();
      await retry(() => aggregates.upsert(rows), {
        retries: Infinity,
        signal: this.signal,
        onRetry: (error, attempt, delayMs) =>
          this.deps.logger.warn({ err: error, view: this.view.name, attempt, delayMs }, 'aggregate write failed; retrying'),
      });
      timer();
      metrics.aggregateRowsWritten.inc({ view: this.view.name }, rows.length);
      live.publish(rows);
    }
    // Only now is everything before `end` stored: the checkpoint may move past it.
    await checkpoints.save(this.jobId, { offsets: { [this.topic]: end }, state: this.state.snapshot(), savedAt: clock.now() });
    this.offset = end;
  }
}

export class StreamProcessor {
  private readonly jobs = new Map<string, ViewJob>();
  private readonly abort = new AbortController();

  constructor(private readonly deps: ProcessorDeps) {}

  /** Starts a job for every existing view, and for every view created later. */
  start(): void {
    this.deps.controlPlane.onApplied((outcome) => {
      if (outcome.ok && outcome.type === 'ViewCreated') this.startJob(outcome.view);
    });
    for (const view of this.deps.controlPlane.views()) this.startJob(view);
  }

  progress(view: string): ViewProgress | undefined {
    return this.jobs.get(view)?.progress();
  }

  /** True once every job has restored its checkpoint. */
  ready(): boolean {
    return [...this.jobs.values()].every((job) => job.restored);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([...this.jobs.values()].map((job) => job.done));
  }

  private startJob(view: ViewDefinition): void {
    if (this.jobs.has(view.name) || this.abort.signal.aborted) return;
    const stream = this.deps.controlPlane.stream(view.stream);
    if (!stream) return;
    this.jobs.set(view.name, new ViewJob(view, stream.watermarkDelayMs, this.deps, this.abort.signal));
  }
}
