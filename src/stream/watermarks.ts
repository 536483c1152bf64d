// Watermarks: how far event time has certainly progressed, so windows ending at or before it are
// complete (ours is Flink's plus one). Pure: processing time comes in as an argument.
//
// A view partition reading one stream partition directly derives its watermark from its own events:
// the largest event time seen minus the stream's watermark delay. A view partition reading the view's
// repartition topic gets events from every partition of the stream, interleaved in no particular
// event-time order, so it cannot: each router sends, after the events of a batch, its source
// partition's watermark to every repartition partition (Flink sends watermarks down every channel),
// and the view partition's watermark is the minimum over the source partitions. A source that sent
// nothing for the stream's idle timeout (processing time) is idle and left out until it sends again,
// so a quiet partition does not hold every window open (Flink's withIdleness); while every source is
// idle, the watermark stays. Watermarks never go back.

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
  /** The last watermark it sent; null before its first. */
  watermark: number | null;
  /** Processing time it last sent one (or the tracker started, for one not heard from yet). */
  heardAt: number;
}

/** Per source partition, the last watermark it sent; the combined watermark over the active ones. */
export class SourceWatermarks {
  private readonly sources = new Map<number, Source>();
  private combinedWatermark: number | null;

  /**
   * @param sourcePartitions how many partitions the stream has: each holds the watermark back until
   *   it sends one or stays silent for the idle timeout
   * @param now processing time: sources restored from `saved` count as heard from now, so a restart
   *   after a pause does not find every source idle at once
   */
  constructor(
    sourcePartitions: number,
    private readonly idleTimeoutMs: number,
    now: number,
    saved: SourceWatermarksSnapshot = { watermarks: {}, combined: null },
  ) {
    for (let partition = 0; partition < sourcePartitions; partition++) this.sources.set(partition, { watermark: null, heardAt: now });
    for (const [partition, watermark] of Object.entries(saved.watermarks)) this.sources.set(Number(partition), { watermark, heardAt: now });
    this.combinedWatermark = saved.combined;
  }

  /** Records a watermark sent by `source` (one lower than it sent before changes nothing). */
  mark(source: number, watermark: number, now: number): void {
    const known = this.sources.get(source);
    const highest = known?.watermark == null ? watermark : Math.max(known.watermark, watermark);
    this.sources.set(source, { watermark: highest, heardAt: now });
  }

  /**
   * The minimum over the active sources' watermarks, never below what it was; null while an active
   * source has sent none yet (or no source ever has).
   */
  combined(now: number): number | null {
    let lowest: number | null = null;
    let active = 0;
    for (const source of this.sources.values()) {
      if (now - source.heardAt >= this.idleTimeoutMs) continue;
      active += 1;
      if (source.watermark === null) return this.combinedWatermark;
      if (lowest === null || source.watermark < lowest) lowest = source.watermark;
    }
    if (active > 0 && lowest !== null && (this.combinedWatermark === null || lowest > this.combinedWatermark)) this.combinedWatermark = lowest;
    return this.combinedWatermark;
  }

  /** Which sources are idle now (for progress reports). */
  idle(now: number): number[] {
    return [...this.sources].filter(([, source]) => now - source.heardAt >= this.idleTimeoutMs).map(([partition]) => partition);
  }

  snapshot(): SourceWatermarksSnapshot {
    const watermarks: Record<number, number> = {};
    for (const [partition, source] of this.sources) if (source.watermark !== null) watermarks[partition] = source.watermark;
    return { watermarks, combined: this.combinedWatermark };
  }
}

export interface SourceWatermarksSnapshot {
  /** The last watermark per source partition that sent one. */
  watermarks: Record<number, number>;
  combined: number | null;
}
