// A view's router, for a stream with several partitions: sends every event to the view's repartition
// topic, keyed by its group key, so that one member of the aggregating group owns each window row
// (stream/processor.ts); and sends each source partition's watermark, or that the partition is idle,
// to every partition of that topic (stream/watermarks.ts).

import { streamIdleTimeoutMs, type StreamDefinition, type ViewDefinition } from '../domain/definitions';
import { isLoggedEvent, type LoggedEvent, type RoutedEvent, type RoutedWatermark } from '../domain/envelope';
import { eventTopic, repartitionTopic } from '../domain/topics';
import { retry } from '../errors/retry';
import type { GroupMember, LogBatch } from '../ports/event-log';
import type { ProcessorDeps } from './processor';
import { recordProblem } from './stream-guard';
import { groupKeyOf } from './windows';

/** Least time between two watermark records of one source partition (Flink's autoWatermarkInterval). */
const WATERMARK_INTERVAL_MS = 200;

/** What a router knows of one source partition it owns. */
interface SourceProgress {
  /** Largest event time routed of an event the view will fold; -Infinity before the first. */
  maxEventTime: number;
  /** The watermark last sent, and when. */
  sent: number | null;
  sentAt: number;
  /** Whether the last record sent said the partition is idle. */
  idle: boolean;
  /** The partition's end offset as last seen, the offset routing has reached, and when either last moved. */
  end: number;
  routedTo: number | null;
  movedAt: number;
}

/**
 * Sends every event of a partitioned stream to the view's repartition topic, keyed by group key, and
 * its source partition's watermark to every partition of that topic: after the events it covers, at
 * most every WATERMARK_INTERVAL_MS. A partition that got no new records for the stream's idle timeout
 * is announced idle the same way (see stream/watermarks.ts).
 */
export class ViewRouter implements GroupMember<LoggedEvent> {
  private readonly topic: string;
  private readonly sources = new Map<number, SourceProgress>();
  private targets: number | undefined;
  /** Routing a batch and the periodic check take turns, so a partition's watermark records keep their order. */
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly view: ViewDefinition,
    private readonly stream: StreamDefinition,
    private readonly deps: ProcessorDeps,
    private readonly signal: AbortSignal,
  ) {
    this.topic = repartitionTopic(view.name);
  }

  assigned(partitions: readonly number[]): void {
    const now = this.deps.clock.now();
    for (const partition of [...this.sources.keys()]) if (!partitions.includes(partition)) this.sources.delete(partition);
    for (const partition of partitions) {
      if (!this.sources.has(partition)) this.sources.set(partition, { maxEventTime: -Infinity, sent: null, sentAt: -Infinity, idle: false, end: -1, routedTo: null, movedAt: now });
    }
  }

  handle(batch: LogBatch<LoggedEvent>): Promise<number | undefined> {
    return this.inTurn(() => this.route(batch));
  }

  /**
   * Run about once a second: sends watermarks the interval held back, and announces idle every owned
   * partition whose end has not moved for the idle timeout and that has nothing left to route.
   */
  tick(): Promise<void> {
    return this.inTurn(async () => {
      const now = this.deps.clock.now();
      this.targets = await this.deps.log.partitionCount(this.topic);
      for (const [partition, source] of this.sources) {
        if (this.signal.aborted) return;
        if (!source.idle) await this.sendWatermark(partition, source, now); // only new records end idleness
        const end = await this.deps.log.endOffset(eventTopic(this.stream.name), partition);
        if (end !== source.end) {
          source.end = end;
          source.movedAt = now;
        } else if (!source.idle && (source.routedTo === null || source.routedTo >= end) && now - source.movedAt >= streamIdleTimeoutMs(this.stream)) {
          await this.send(partition, { partition, watermark: source.sent, idle: true });
          source.idle = true;
        }
      }
    });
  }

  private async route({ partition, records }: LogBatch<LoggedEvent>): Promise<number | undefined> {
    if (records.length === 0) return undefined;
    const routed: RoutedEvent[] = records.map(({ offset, value }) => ({ partition, offset, event: value }));
    const keys = records.map(({ value }) => groupKeyOf(isLoggedEvent(value) ? value.payload : {}, this.view.groupBy).canonical);
    await this.persistently(() => this.deps.log.append(this.topic, routed, { keys }));
    const now = this.deps.clock.now();
    const next = records[records.length - 1].offset + 1;
    const source = this.sources.get(partition);
    if (source) {
      // Only events the view will fold move the watermark (as on direct input): one that breaks the
      // stream's rules could otherwise push it far ahead for good.
      const fromMs = this.view.fromMs ?? -Infinity;
      for (const { value } of records) {
        if (recordProblem(this.deps.schemas, value) !== undefined) continue;
        const time = value.envelope.eventTime;
        if (time >= fromMs && time > source.maxEventTime) source.maxEventTime = time;
      }
      source.routedTo = next;
      source.movedAt = now;
      await this.sendWatermark(partition, source, now);
    }
    return next;
  }

  /** Sends the partition's watermark if it moved (at most every interval) or the partition was idle. */
  private async sendWatermark(partition: number, source: SourceProgress, now: number): Promise<void> {
    if (source.maxEventTime === -Infinity) return;
    const watermark = source.maxEventTime - this.stream.watermarkDelayMs;
    const moved = source.sent === null || watermark > source.sent;
    if (!source.idle && !(moved && now - source.sentAt >= WATERMARK_INTERVAL_MS)) return;
    await this.send(partition, { partition, watermark, idle: false });
    source.sent = watermark;
    source.sentAt = now;
    source.idle = false;
  }

  /** Appends the record to every partition of the repartition topic. */
  private async send(partition: number, record: RoutedWatermark): Promise<void> {
    this.targets ??= await this.persistently(() => this.deps.log.partitionCount(this.topic));
    const partitions = Array.from({ length: this.targets }, (_, target) => target);
    await this.persistently(() => this.deps.log.append(this.topic, partitions.map(() => record), { partitions }));
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.turn.then(work);
    this.turn = result.catch(() => undefined);
    return result;
  }

  /** Runs a write (or read) of the repartition topic until it succeeds or the processor stops. */
  private persistently<T>(operation: () => Promise<T>): Promise<T> {
    return retry(operation, {
      retries: Infinity,
      signal: this.signal,
      onRetry: (error, attempt, delayMs) => this.deps.logger.warn({ err: error, view: this.view.name, attempt, delayMs }, 'repartition write failed; retrying'),
    });
  }
}
