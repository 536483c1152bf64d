// Watermarks: how far event time has certainly progressed, so windows ending at or before it are
// complete (ours is Flink's plus one). Pure.
//
// A view partition reading one stream partition directly derives its watermark from its own events:
// the largest event time seen minus the stream's watermark delay. A view partition reading the view's
// repartition topic gets events from every partition of the stream, interleaved in no particular
// event-time order, so it cannot: each router sends its source partition's watermark, after the
// events it covers, to every repartition partition (Flink sends watermarks down every channel), and
// the view partition's watermark is the least over the source partitions. A router whose partition
// got no new records for the stream's idle timeout says so, as a watermark record marked idle; an
// idle source is left out until it sends a watermark again (Flink's withIdleness). Once every source
// is idle, none will move time on, so the watermark jumps to the highest any source sent (Flink's
// StatusWatermarkValve flushes its channels the same way): a stream that stops altogether still
// closes the windows its last events filled. Idleness travels in the log with the events, so a replay
// after a crash decides exactly as the first run did. Watermarks never go back.

/** What a window state's watermark is: its own events' (direct input) or one set from outside (routed). */
export class PartitionWatermark {
  private largest: number | null;
  private assigned: number | null;

  /**
   * @param delayMs the stream's watermark delay, or null when the watermark is only ever `advance`d
   * @param saved the largest event time and the assigned watermark of a snapshot
   */
  constructor(
    private readonly delayMs: number | null,
    saved: { maxEventTime: number | null; watermark?: number | null } = { maxEventTime: null },
  ) {
    this.largest = saved.maxEventTime;
    this.assigned = saved.watermark ?? null;
  }

  /** Notes an event's time; moves the watermark unless it is set from outside. */
  observe(eventTime: number): void {
    if (this.largest === null || eventTime > this.largest) this.largest = eventTime;
  }

  /** Moves a watermark set from outside forward (never back). */
  advance(watermark: number): void {
    if (this.assigned === null || watermark > this.assigned) this.assigned = watermark;
  }

  current(): number | null {
    if (this.delayMs === null) return this.assigned;
    return this.largest === null ? null : this.largest - this.delayMs;
  }

  /** Plain data for a window state's snapshot. */
  snapshot(): { maxEventTime: number | null; watermark?: number | null } {
    return this.delayMs === null ? { maxEventTime: this.largest, watermark: this.assigned } : { maxEventTime: this.largest };
  }
}

interface Source {
  /** The highest watermark it sent; null before its first. */
  watermark: number | null;
  idle: boolean;
}

/** Per source partition, the watermark it sent and whether it is idle; their least over the active ones. */
export class SourceWatermarks {
  private readonly sources = new Map<number, Source>();
  private combinedWatermark: number | null;

  /**
   * @param sourcePartitions how many partitions the stream has: each holds the watermark back until
   *   it sends a watermark or says it is idle
   * @param saved a checkpoint's snapshot
   */
  constructor(sourcePartitions: number, saved: SourceWatermarksSnapshot = { sources: {}, combined: null }) {
    for (let partition = 0; partition < sourcePartitions; partition++) this.sources.set(partition, { watermark: null, idle: false });
    for (const [partition, [watermark, idle]] of Object.entries(saved.sources)) this.sources.set(Number(partition), { watermark, idle });
    this.combinedWatermark = saved.combined;
  }

  /** Records what `source` sent: a watermark (one lower than it sent before changes nothing), or that it is idle. */
  mark(source: number, watermark: number | null, idle: boolean): void {
    const known = this.sources.get(source)?.watermark ?? null;
    const highest = watermark === null ? known : known === null ? watermark : Math.max(known, watermark);
    this.sources.set(source, { watermark: highest, idle });
  }

  /**
   * The least watermark over the active sources, or the highest any source sent once all are idle;
   * never below what it was, and unchanged while an active source has sent none yet.
   */
  combined(): number | null {
    let lowest: number | null = null;
    let highest: number | null = null;
    let active = false;
    for (const source of this.sources.values()) {
      if (source.watermark !== null && (highest === null || source.watermark > highest)) highest = source.watermark;
      if (source.idle) continue;
      active = true;
      if (source.watermark === null) return this.combinedWatermark;
      if (lowest === null || source.watermark < lowest) lowest = source.watermark;
    }
    const next = active ? lowest : highest;
    if (next !== null && (this.combinedWatermark === null || next > this.combinedWatermark)) this.combinedWatermark = next;
    return this.combinedWatermark;
  }

  snapshot(): SourceWatermarksSnapshot {
    const sources: SourceWatermarksSnapshot['sources'] = {};
    for (const [partition, { watermark, idle }] of this.sources) sources[partition] = [watermark, idle];
    return { sources, combined: this.combinedWatermark };
  }
}

export interface SourceWatermarksSnapshot {
  /** Per source partition: [the highest watermark it sent or null, idle]. */
  sources: Record<number, [number | null, boolean]>;
  combined: number | null;
}
