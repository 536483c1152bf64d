// The stream processor. Every view is one consumer group on the log: a member owns some partitions
// of the view's input, folds their events into windows, stores the changed rows, publishes them live,
// and only then checkpoints, per partition, the offset it reached together with that partition's
// open-window state (one atomic write), and commits the offset to the group. A crash replays from the
// last checkpoint; rows carry the offset as their revision, so a replay rewrites rather than adds
// (src/stream/view-aggregator.ts).
//
// A window row must have exactly one writer. When the stream's topic has one partition (always, in
// embedded mode) the view reads it directly. When it has several, events with the same group key may
// sit in different partitions, so a second group first routes every event to the view's repartition
// topic, keyed by its group key (the Kafka Streams pattern); the aggregating group reads that instead.
// Routed records carry their source partition and offset: a router that crashed before committing
// sends some records again, and the aggregator skips every one it has already applied. After each
// batch a router also sends its source partition's watermark to every repartition partition, which
// is how an aggregating member learns how far event time has got over the whole stream
// (stream/view-router.ts, stream/watermarks.ts).

import type { StreamDefinition, ViewDefinition } from '../domain/definitions';
import { eventTopic, repartitionTopic } from '../domain/topics';
import { sleep } from '../errors/retry';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AggregateStore } from '../ports/aggregate-store';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { Clock } from '../ports/clock';
import type { EventLog } from '../ports/event-log';
import type { LiveUpdates } from '../ports/live-updates';
import type { ControlPlane } from '../services/control-plane';
import { ViewAggregator, type ViewProgress } from './view-aggregator';
import { StreamGuard, type EventSchemaCheck, type GuardDeps } from './stream-guard';
import { ViewRouter } from './view-router';

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

const RESTART_BACKOFF_MS = 1_000;

class ViewJob {
  private aggregator: ViewAggregator | undefined;
  private router: ViewRouter | undefined;
  private routerTick: Promise<void> | undefined;
  private routerFailing = false;
  private readonly stopping = new AbortController();
  private readonly signal = this.stopping.signal;
  readonly done: Promise<void>;

  constructor(
    private readonly view: ViewDefinition,
    private readonly stream: StreamDefinition,
    private readonly deps: ProcessorDeps,
    processorStopped: AbortSignal,
  ) {
    if (processorStopped.aborted) this.stopping.abort();
    else processorStopped.addEventListener('abort', () => this.stopping.abort(), { once: true });
    this.done = this.run();
  }

  /** Stops this job (its partitions' work is checkpointed as usual) and resolves once it has. */
  stop(): Promise<void> {
    this.stopping.abort();
    return this.done;
  }

  ready(): boolean {
    return this.aggregator?.ready() ?? false;
  }

  progress(): ViewProgress | undefined {
    return this.aggregator?.progress();
  }

  lagSample(): ReturnType<ViewAggregator['lagSample']> | undefined {
    return this.aggregator?.lagSample();
  }

  /**
   * The once-a-second work: the view's lag, and the router's held-back watermarks and idle
   * partitions (skipped while its last check still waits behind a batch whose write is retrying).
   */
  async tick(): Promise<void> {
    if (this.router && !this.routerTick) {
      this.routerTick = this.router
        .tick()
        .then(
          () => void (this.routerFailing = false),
          (error: unknown) => {
            if (!this.routerFailing && !this.signal.aborted) this.deps.logger.warn({ err: error, view: this.view.name }, "cannot check the view's partitions for idleness; trying again");
            this.routerFailing = true;
          },
        )
        .finally(() => (this.routerTick = undefined));
    }
    await this.aggregator?.sampleLag();
  }

  /** Resolves once a router check still running has ended (it ends soon after the job stops). */
  settled(): Promise<void> {
    return this.routerTick ?? Promise.resolve();
  }

  private async run(): Promise<void> {
    const { log } = this.deps;
    const source = eventTopic(this.view.stream);
    const partitions = await this.untilStopped(() => log.partitionCount(source), 'cannot read the stream topic');
    if (partitions === undefined) return;
    const routed = partitions > 1;
    const input = { topic: routed ? repartitionTopic(this.view.name) : source, routed, sourcePartitions: partitions };
    this.aggregator = new ViewAggregator(this.view, this.stream, input, this.deps, this.signal);
    const options = { maxRecords: this.deps.batchSize, signal: this.signal };
    const aggregator = this.aggregator;
    const router = routed ? new ViewRouter(this.view, this.stream, this.deps, this.signal) : undefined;
    this.router = router;
    await Promise.all([
      router ? this.untilStopped(() => log.consume(`router.${this.view.name}`, source, router, options), 'view router stopped') : undefined,
      this.untilStopped(() => log.consume(viewGroup(this.view), input.topic, aggregator, options), 'view consumer stopped'),
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

/** The consumer group of a view's aggregation; each generation has its own, which starts at the beginning of the input. */
function viewGroup(view: ViewDefinition): string {
  const generation = view.generation ?? 0;
  return generation === 0 ? `view.${view.name}` : `view.${view.name}@${generation}`;
}

/** How often each view's lag is read from the log, and its router checks its partitions. */
const TICK_MS = 1_000;
/** A lag sample older than this no longer holds ingest back. */
const LAG_FRESH_MS = 5_000;

export class StreamProcessor {
  private readonly jobs = new Map<string, ViewJob>();
  private readonly guards = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private sampling: Promise<void> | undefined;
  /** Per view, the last rebuild in progress: rebuilds of one view run one after another. */
  private readonly rebuilds = new Map<string, Promise<void>>();

  constructor(private readonly deps: ProcessorDeps) {}

  /**
   * The most input records any caught-up view of `stream` has not stored yet, by samples at most
   * LAG_FRESH_MS old (0 when there are none: a log that cannot be asked does not stop ingest).
   * Ingest refuses new events while it is past the configured bound.
   */
  backlog(stream: string): number {
    const now = this.deps.clock.now();
    let most = 0;
    for (const view of this.deps.controlPlane.viewsOf(stream)) {
      const sample = this.jobs.get(view.name)?.lagSample();
      if (!sample?.caughtUp || sample.lagSampledAt === null || now - sample.lagSampledAt > LAG_FRESH_MS) continue;
      most = Math.max(most, sample.lag);
    }
    return most;
  }

  /** Starts a job for every existing view, and for every view created later (on any instance). */
  start(): void {
    this.deps.controlPlane.onApplied((outcome) => {
      if (outcome.ok && outcome.type === 'ViewCreated') this.startJob(outcome.view);
      if (outcome.ok && outcome.type === 'ViewRebuilt') this.rebuildJob(outcome.view);
      if (outcome.ok && outcome.type === 'StreamCreated') this.startGuard(outcome.stream.name);
    });
    for (const view of this.deps.controlPlane.views()) this.startJob(view);
    for (const stream of this.deps.controlPlane.streams()) this.startGuard(stream.name);
    this.sampling = this.tickUntilStopped();
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
    await Promise.all([...this.rebuilds.values()]);
    await Promise.all([...[...this.jobs.values()].map((job) => job.done), ...this.guards.values(), this.sampling]);
  }

  /** Every TICK_MS, each job's tick: its lag sample, and its router's watermarks and idle partitions. */
  private async tickUntilStopped(): Promise<void> {
    const signal = this.abort.signal;
    const failing = new Set<string>();
    const ticking = new Map<ViewJob, Promise<void>>();
    while (!signal.aborted) {
      // Each view on its own: one whose tick hangs (a log read that does not answer) is skipped until
      // it returns, and holds up no other view's samples.
      for (const [view, job] of this.jobs) {
        if (ticking.has(job)) continue;
        const tick = job.tick().then(
          () => void failing.delete(view),
          (error: unknown) => {
            // Asked again next time; meanwhile the old sample goes stale and stops holding ingest back.
            if (!failing.has(view)) this.deps.logger.warn({ err: error, view }, 'cannot read the log to measure view lag; trying again');
            failing.add(view);
          },
        );
        ticking.set(job, tick.finally(() => ticking.delete(job)));
      }
      await sleep(TICK_MS, signal);
    }
    await Promise.allSettled([...ticking.values(), ...[...this.jobs.values()].map((job) => job.settled())]);
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

  /**
   * Stops the view's job and starts its next generation, which reads the input from the start (its
   * checkpoints are new) and writes rows above every revision of the old one.
   */
  private rebuildJob(view: ViewDefinition): void {
    const previous = this.rebuilds.get(view.name) ?? Promise.resolve();
    const rebuilt = previous.then(async () => {
      const old = this.jobs.get(view.name);
      this.jobs.delete(view.name);
      await old?.stop();
      this.deps.logger.info({ view: view.name, generation: view.generation, from: view.fromMs }, 'rebuilding view');
      this.startJob(view);
    });
    this.rebuilds.set(view.name, rebuilt);
    void rebuilt.finally(() => {
      if (this.rebuilds.get(view.name) === rebuilt) this.rebuilds.delete(view.name);
    });
  }

  private startJob(view: ViewDefinition): void {
    if (this.jobs.has(view.name) || this.abort.signal.aborted) return;
    const stream = this.deps.controlPlane.stream(view.stream);
    if (!stream) return;
    this.jobs.set(view.name, new ViewJob(view, stream, this.deps, this.abort.signal));
  }
}

export type { ViewProgress };
