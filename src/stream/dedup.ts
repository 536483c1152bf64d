// Counting each event once when a producer sends it again: the dedup keys (see domain/dedup-keys.ts)
// a view partition has folded, each with its event time, forgotten once the watermark is more than
// the horizon past it (the processor makes the horizon at least the view's window plus its allowed
// lateness, so a repeat is recognized for as long as any window could still count it). Memory is bounded: past `maxKeys`, the oldest arrivals are
// forgotten early (and counted, so an operator can see the bound is too small for the horizon).
// Pure; the snapshot is plain data, saved in the view's checkpoint with its windows.

export interface DedupSnapshot {
  /** [dedup key, event time], oldest arrival first. */
  keys: [string, number][];
  duplicates: number;
  evictedEarly: number;
}

export class Deduplicator {
  /** Dedup key → event time, in arrival order (a Map keeps insertion order). */
  private readonly keys = new Map<string, number>();
  private duplicates = 0;
  private evictedEarly = 0;

  constructor(
    private readonly horizonMs: number,
    private readonly maxKeys: number,
    snapshot?: DedupSnapshot,
  ) {
    if (!snapshot) return;
    for (const [key, time] of snapshot.keys) this.keys.set(key, time);
    this.duplicates = snapshot.duplicates;
    this.evictedEarly = snapshot.evictedEarly;
  }

  /**
   * True when `key` was seen within the horizon of `watermark` (the event is a repeat); else
   * remembers it. Decided per event, so where batches (and checkpoints) fall changes nothing.
   */
  repeated(key: string, eventTime: number, watermark: number | null): boolean {
    const seen = this.keys.get(key);
    if (seen !== undefined && (watermark === null || seen >= watermark - this.horizonMs)) {
      this.duplicates += 1;
      return true;
    }
    this.keys.delete(key); // a key past the horizon is remembered afresh, as the newest arrival
    this.keys.set(key, eventTime);
    if (this.keys.size > this.maxKeys) {
      this.keys.delete(this.keys.keys().next().value!);
      this.evictedEarly += 1;
    }
    return false;
  }

  /**
   * Forgets keys whose event time is more than the horizon behind the watermark, oldest arrival
   * first, stopping at the first one still within it: arrivals are roughly in event-time order, and
   * a straggler kept a little longer costs only memory, which `maxKeys` bounds.
   */
  expire(watermark: number | null): void {
    if (watermark === null) return;
    const cutoff = watermark - this.horizonMs;
    for (const [key, time] of this.keys) {
      if (time >= cutoff) return;
      this.keys.delete(key);
    }
  }

  stats(): { duplicates: number; evictedEarly: number; keys: number } {
    return { duplicates: this.duplicates, evictedEarly: this.evictedEarly, keys: this.keys.size };
  }

  snapshot(): DedupSnapshot {
    return { keys: [...this.keys], duplicates: this.duplicates, evictedEarly: this.evictedEarly };
  }
}
