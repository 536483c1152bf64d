// The open windows of one view and the watermark that closes them: folds logged events in log
// order and emits changed and closed window rows. Pure (no I/O, no clock); snapshots are plain data.
//
// Flink's event-time semantics (our watermark is Flink's plus one: windows ending at or before it are
// complete). A window [start, end) fires, emitting its final row, once end <= watermark. With allowed
// lateness L it is kept until end + L <= watermark: an event for it in between updates it and emits
// a corrected final row with a higher revision. An event that no window of its own still takes is
// late: counted, handed back to the caller for the late side output, and never folded.

import type { ViewDefinition } from '../domain/definitions';
import type { LoggedEvent } from '../domain/envelope';
import type { KeyValue, WindowRowRecord } from '../ports/aggregate-store';
import { WindowAccumulator } from './measures';
import { PartitionWatermark } from './watermarks';
import { assignWindows, groupKeyOf } from './windows';

interface OpenWindow {
  start: number;
  key: Record<string, KeyValue>;
  accumulator: WindowAccumulator;
  /** Its final row was emitted: the watermark passed its end. Kept for late events until end + lateness. */
  fired: boolean;
}

export interface ViewStateSnapshot {
  /** Largest event time seen; null before the first event. */
  maxEventTime: number | null;
  /** Routed input only: the watermark last set from the sources' (see stream/watermarks.ts). */
  watermark?: number | null;
  lateEvents: number;
  foldedEvents: number;
  /** [windowStart, canonical key, key, accumulator state, fired] per open window (fired absent: false). */
  windows: [number, string, Record<string, KeyValue>, unknown, boolean?][];
}

export interface WindowStats {
  lateEvents: number;
  foldedEvents: number;
  /** Windows (or sessions) held: open ones, and fired ones kept for late events. */
  openWindows: number;
}

/** What a view partition's window state does, whatever its windows: fixed (this file) or sessions. */
export interface WindowState {
  /** Event time up to which windows are complete; null before the first event. */
  watermark(): number | null;
  /** Moves a watermark set from outside (routed input) forward; windows it closes emit at the next drain. */
  advanceWatermark(watermark: number): void;
  stats(): WindowStats;
  /** Folds the event; false when it is late (counted, and left to the caller's late side output). */
  fold(event: LoggedEvent): boolean;
  /** Changed, fired and corrected rows since the last drain (retractions too, for sessions). */
  drain(revision: number, updatedAt: number): WindowRowRecord[];
  /** Plain data to restore the state from. */
  snapshot(): unknown;
}

export class ViewWindowState implements WindowState {
  private readonly open = new Map<string, OpenWindow>();
  private readonly dirty = new Set<string>();
  private readonly time: PartitionWatermark;
  private lateEvents = 0;
  private foldedEvents = 0;
  private readonly allowedLatenessMs: number;

  /** @param watermarkDelayMs the stream's watermark delay; null when the watermark is set from outside (routed input) */
  constructor(
    private readonly view: ViewDefinition,
    watermarkDelayMs: number | null,
    snapshot?: ViewStateSnapshot,
  ) {
    this.allowedLatenessMs = view.allowedLatenessMs ?? 0;
    this.time = new PartitionWatermark(watermarkDelayMs, snapshot);
    if (!snapshot) return;
    this.lateEvents = snapshot.lateEvents;
    this.foldedEvents = snapshot.foldedEvents;
    for (const [start, canonical, key, state, fired] of snapshot.windows) {
      this.open.set(windowId(start, canonical), { start, key, accumulator: WindowAccumulator.fromState(view.measures, state), fired: fired === true });
    }
  }

  /** Event time up to which every window is complete; null before the first event. */
  watermark(): number | null {
    return this.time.current();
  }

  advanceWatermark(watermark: number): void {
    this.time.advance(watermark);
  }

  stats(): WindowStats {
    return { lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, openWindows: this.open.size };
  }

  /**
   * Adds one event to every window it falls in that still takes events. Returns false when none
   * does: the event is late (counted here; the caller keeps it in the late side output).
   */
  fold(event: LoggedEvent): boolean {
    const time = event.envelope.eventTime;
    this.time.observe(time);
    const watermark = this.time.current() ?? -Infinity;
    const { windowMs, hopMs, groupBy, measures } = this.view;
    let accepted = false;
    let group: ReturnType<typeof groupKeyOf> | undefined;
    for (const start of assignWindows(time, windowMs, hopMs)) {
      if (start + windowMs + this.allowedLatenessMs <= watermark) continue;
      group ??= groupKeyOf(event.payload, groupBy);
      const id = windowId(start, group.canonical);
      let window = this.open.get(id);
      if (!window) {
        window = { start, key: group.key, accumulator: new WindowAccumulator(measures), fired: false };
        this.open.set(id, window);
      }
      window.accumulator.add(event.payload);
      this.dirty.add(id);
      accepted = true;
    }
    if (accepted) this.foldedEvents += 1;
    else this.lateEvents += 1;
    return accepted;
  }

  /**
   * Rows for every window changed since the last drain (final: false while the watermark is before
   * its end), and for every window the watermark has just closed (final: true). A window past its
   * end that late events changed emits its corrected final row again. A window is forgotten once
   * the watermark is past its end plus the allowed lateness. Ordered by window start, then key.
   */
  drain(revision: number, updatedAt: number): WindowRowRecord[] {
    const watermark = this.watermark();
    const rows: WindowRowRecord[] = [];
    for (const [id, window] of this.open) {
      const end = window.start + this.view.windowMs;
      const closed = watermark !== null && end <= watermark;
      if (this.dirty.has(id) || (closed && !window.fired)) rows.push(this.row(window, closed, revision, updatedAt));
      if (closed) window.fired = true;
      if (closed && end + this.allowedLatenessMs <= watermark!) this.open.delete(id);
    }
    this.dirty.clear();
    return rows.sort((a, b) => a.windowStart - b.windowStart);
  }

  snapshot(): ViewStateSnapshot {
    const windows: ViewStateSnapshot['windows'] = [];
    for (const [id, window] of this.open) {
      windows.push([window.start, id.slice(id.indexOf('|') + 1), window.key, window.accumulator.toState(), window.fired]);
    }
    return { ...this.time.snapshot(), lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, windows };
  }

  private row(window: OpenWindow, final: boolean, revision: number, updatedAt: number): WindowRowRecord {
    return {
      view: this.view.name,
      windowStart: window.start,
      windowEnd: window.start + this.view.windowMs,
      key: window.key,
      values: window.accumulator.values(),
      eventCount: window.accumulator.count,
      final,
      revision,
      updatedAt,
    };
  }
}

function windowId(start: number, canonical: string): string {
  return `${start}|${canonical}`;
}
