// The open windows of one view and the watermark that closes them: folds logged events in log
// order and emits changed and closed window rows. Pure (no I/O, no clock); snapshots are plain data.

import type { ViewDefinition } from '../domain/definitions';
import type { LoggedEvent } from '../domain/envelope';
import type { KeyValue, WindowRowRecord } from '../ports/aggregate-store';
import { WindowAccumulator } from './measures';
import { assignWindows, groupKeyOf } from './windows';

interface OpenWindow {
  start: number;
  key: Record<string, KeyValue>;
  accumulator: WindowAccumulator;
}

export interface ViewStateSnapshot {
  /** Largest event time seen; null before the first event. */
  maxEventTime: number | null;
  lateEvents: number;
  foldedEvents: number;
  /** [windowStart, canonical key, key, accumulator state] per open window. */
  windows: [number, string, Record<string, KeyValue>, unknown][];
}

export class ViewWindowState {
  private readonly open = new Map<string, OpenWindow>();
  private readonly dirty = new Set<string>();
  private maxEventTime: number | null = null;
  private lateEvents = 0;
  private foldedEvents = 0;

  constructor(
    private readonly view: ViewDefinition,
    private readonly watermarkDelayMs: number,
    snapshot?: ViewStateSnapshot,
  ) {
    if (!snapshot) return;
    this.maxEventTime = snapshot.maxEventTime;
    this.lateEvents = snapshot.lateEvents;
    this.foldedEvents = snapshot.foldedEvents;
    for (const [start, canonical, key, state] of snapshot.windows) {
      this.open.set(windowId(start, canonical), { start, key, accumulator: WindowAccumulator.fromState(view.measures, state) });
    }
  }

  /** Event time up to which every window is complete; null before the first event. */
  watermark(): number | null {
    return this.maxEventTime === null ? null : this.maxEventTime - this.watermarkDelayMs;
  }

  stats(): { lateEvents: number; foldedEvents: number; openWindows: number } {
    return { lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, openWindows: this.open.size };
  }

  /**
   * Adds one event to every window it falls in. An event whose window the watermark has already
   * closed is late: it is counted and left out, so a closed window's final row never changes.
   */
  fold(event: LoggedEvent): void {
    const time = event.envelope.eventTime;
    if (this.maxEventTime === null || time > this.maxEventTime) this.maxEventTime = time;
    const watermark = this.maxEventTime - this.watermarkDelayMs;
    const { windowMs, hopMs, groupBy, measures } = this.view;
    let late = false;
    let group: ReturnType<typeof groupKeyOf> | undefined;
    for (const start of assignWindows(time, windowMs, hopMs)) {
      if (start + windowMs <= watermark) {
        late = true;
        continue;
      }
      group ??= groupKeyOf(event.payload, groupBy);
      const id = windowId(start, group.canonical);
      let window = this.open.get(id);
      if (!window) {
        window = { start, key: group.key, accumulator: new WindowAccumulator(measures) };
        this.open.set(id, window);
      }
      window.accumulator.add(event.payload);
      this.dirty.add(id);
    }
    if (late) this.lateEvents += 1;
    else this.foldedEvents += 1;
  }

  /**
   * Rows for every window changed since the last drain (final: false) and for every window the
   * watermark has closed (final: true; it is then forgotten). Ordered by window start, then key.
   */
  drain(revision: number, updatedAt: number): WindowRowRecord[] {
    const watermark = this.watermark();
    const rows: WindowRowRecord[] = [];
    for (const [id, window] of this.open) {
      const closed = watermark !== null && window.start + this.view.windowMs <= watermark;
      if (!closed && !this.dirty.has(id)) continue;
      rows.push(this.row(window, closed, revision, updatedAt));
      if (closed) this.open.delete(id);
    }
    this.dirty.clear();
    return rows.sort((a, b) => a.windowStart - b.windowStart);
  }

  snapshot(): ViewStateSnapshot {
    const windows: ViewStateSnapshot['windows'] = [];
    for (const [id, window] of this.open) {
      windows.push([window.start, id.slice(id.indexOf('|') + 1), window.key, window.accumulator.toState()]);
    }
    return { maxEventTime: this.maxEventTime, lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, windows };
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
