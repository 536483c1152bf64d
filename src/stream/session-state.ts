// Session windows (Flink's EventTimeSessionWindows.withGap): each event opens the window
// [time, time + gap) of its group key, and windows of one key that overlap or touch merge into one
// session, their measures combined. A session fires when the watermark passes its end and, with
// allowed lateness, is kept until its end plus that; an event whose merged session would already be
// past it is late. A session's row is stored under its start; when sessions merge (or a late event
// moves a start earlier) the row under a start that no longer begins a session is retracted: written
// again with no events, which readers leave out. Pure, like ViewWindowState; snapshots are plain data.

import type { ViewDefinition } from '../domain/definitions';
import type { LoggedEvent } from '../domain/envelope';
import type { KeyValue, WindowRowRecord } from '../ports/aggregate-store';
import { WindowAccumulator } from './measures';
import type { WindowState, WindowStats } from './view-state';
import { PartitionWatermark } from './watermarks';
import { groupKeyOf } from './windows';

interface Session {
  start: number;
  end: number;
  canonical: string;
  key: Record<string, KeyValue>;
  accumulator: WindowAccumulator;
  fired: boolean;
  /** Where its row is stored now ([start, end) last emitted), or null before its first row. */
  emitted: [number, number] | null;
}

/** A row about to be written: [start, end, key, revision]. */
export type RowIntent = [number, number, Record<string, KeyValue>, number];

export interface SessionStateSnapshot {
  maxEventTime: number | null;
  /** Routed input only: the watermark last set from the sources'. */
  watermark?: number | null;
  lateEvents: number;
  foldedEvents: number;
  /** [start, end, canonical key, key, accumulator state, fired, emitted] per session. */
  sessions: [number, number, string, Record<string, KeyValue>, unknown, boolean, [number, number] | null][];
  /**
   * Rows an earlier run was about to write when it stopped (see `intents`): once the replay has passed
   * their revision, any it did not write again is retracted. Absent when there are none.
   */
  unconfirmed?: RowIntent[];
  /** Rows written since the restore, by id, while some are unconfirmed. */
  emittedSinceRestore?: string[];
}

function rowId(start: number, key: Record<string, KeyValue>): string {
  return `${start}|${JSON.stringify(key)}`;
}

export class SessionWindowState implements WindowState {
  /** Sessions of each group key, by start. */
  private readonly byKey = new Map<string, Session[]>();
  private readonly dirty = new Set<Session>();
  /** Rows to retract at the next drain: sessions absorbed into others after their rows were stored. */
  private retractions: WindowRowRecord[] = [];
  private readonly time: PartitionWatermark;
  private lateEvents = 0;
  private foldedEvents = 0;
  private readonly gapMs: number;
  private readonly allowedLatenessMs: number;
  private unconfirmed: RowIntent[] = [];
  private readonly emittedSinceRestore = new Set<string>();

  constructor(
    private readonly view: ViewDefinition,
    watermarkDelayMs: number | null,
    snapshot?: SessionStateSnapshot,
  ) {
    this.gapMs = view.sessionGapMs!;
    this.allowedLatenessMs = view.allowedLatenessMs ?? 0;
    this.time = new PartitionWatermark(watermarkDelayMs, snapshot);
    if (!snapshot) return;
    this.lateEvents = snapshot.lateEvents;
    this.foldedEvents = snapshot.foldedEvents;
    for (const [start, end, canonical, key, state, fired, emitted] of snapshot.sessions) {
      const session: Session = { start, end, canonical, key, accumulator: WindowAccumulator.fromState(view.measures, state), fired, emitted };
      this.sessionsOf(canonical).push(session);
    }
    this.unconfirmed = snapshot.unconfirmed ?? [];
    for (const id of snapshot.emittedSinceRestore ?? []) this.emittedSinceRestore.add(id);
  }

  /**
   * What a caller about to store `rows` saves first (with its last checkpoint): unlike a fixed
   * window's, a session's start depends on how events were batched, so a replay after a crash may
   * not write these rows again, and must then retract them.
   */
  static intents(rows: readonly WindowRowRecord[]): RowIntent[] {
    return rows.filter((row) => row.eventCount > 0).map((row) => [row.windowStart, row.windowEnd, row.key, row.revision]);
  }

  watermark(): number | null {
    return this.time.current();
  }

  advanceWatermark(watermark: number): void {
    this.time.advance(watermark);
  }

  stats(): WindowStats {
    let openWindows = 0;
    for (const sessions of this.byKey.values()) openWindows += sessions.length;
    return { lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, openWindows };
  }

  fold(event: LoggedEvent): boolean {
    const time = event.envelope.eventTime;
    // As in Flink, an event meets the watermark as it was before it: its own time moves it only after.
    const watermark = this.watermark() ?? -Infinity;
    this.time.observe(time);
    const group = groupKeyOf(event.payload, this.view.groupBy);
    const sessions = this.sessionsOf(group.canonical);
    let start = time;
    let end = time + this.gapMs;
    // A session past its end plus the lateness is gone, even before a drain purges it: merging into it
    // would make the result depend on where batches split (Flink clears it by a timer at that point).
    const overlapping = sessions.filter((session) => session.start <= end && session.end >= start && session.end + this.allowedLatenessMs > watermark);
    for (const session of overlapping) {
      start = Math.min(start, session.start);
      end = Math.max(end, session.end);
    }
    if (end + this.allowedLatenessMs <= watermark) {
      this.lateEvents += 1;
      return false;
    }
    let target = overlapping[0];
    if (!target) {
      target = { start, end, canonical: group.canonical, key: group.key, accumulator: new WindowAccumulator(this.view.measures), fired: false, emitted: null };
      sessions.push(target);
    }
    for (const absorbed of overlapping.slice(1)) {
      target.accumulator.merge(absorbed.accumulator);
      if (absorbed.emitted) this.retractions.push(this.retraction(absorbed.key, absorbed.emitted));
      sessions.splice(sessions.indexOf(absorbed), 1);
      this.dirty.delete(absorbed);
    }
    target.start = start;
    target.end = end;
    // A session that grew past the watermark fires again when the watermark reaches its new end.
    if (end > (this.watermark() ?? -Infinity)) target.fired = false;
    target.accumulator.add(event.payload);
    this.dirty.add(target);
    sessions.sort((a, b) => a.start - b.start);
    this.foldedEvents += 1;
    return true;
  }

  drain(revision: number, updatedAt: number): WindowRowRecord[] {
    const watermark = this.watermark();
    const rows = this.retractions.map((row) => ({ ...row, revision, updatedAt }));
    this.retractions = [];
    for (const [canonical, sessions] of this.byKey) {
      for (let i = 0; i < sessions.length; i++) {
        const session = sessions[i];
        const closed = watermark !== null && session.end <= watermark;
        if (this.dirty.has(session) || (closed && !session.fired)) {
          if (session.emitted && session.emitted[0] !== session.start) rows.push({ ...this.retraction(session.key, session.emitted), revision, updatedAt });
          rows.push(this.row(session, closed, revision, updatedAt));
          session.emitted = [session.start, session.end];
        }
        if (closed) session.fired = true;
        if (closed && session.end + this.allowedLatenessMs <= watermark!) sessions.splice(i--, 1);
      }
      if (sessions.length === 0) this.byKey.delete(canonical);
    }
    this.dirty.clear();
    if (this.unconfirmed.length > 0) this.confirm(rows, revision, updatedAt);
    return rows.sort((a, b) => a.windowStart - b.windowStart);
  }

  /** Retracts the rows an earlier run wrote that this replay, now past their revision, did not write. */
  private confirm(rows: WindowRowRecord[], revision: number, updatedAt: number): void {
    for (const row of rows) if (row.eventCount > 0) this.emittedSinceRestore.add(rowId(row.windowStart, row.key));
    this.unconfirmed = this.unconfirmed.filter(([start, end, key, written]) => {
      if (written > revision) return true;
      if (!this.emittedSinceRestore.has(rowId(start, key))) rows.push({ ...this.retraction(key, [start, end]), revision, updatedAt });
      return false;
    });
    if (this.unconfirmed.length === 0) this.emittedSinceRestore.clear();
  }

  snapshot(): SessionStateSnapshot {
    const sessions: SessionStateSnapshot['sessions'] = [];
    for (const list of this.byKey.values()) {
      for (const s of list) sessions.push([s.start, s.end, s.canonical, s.key, s.accumulator.toState(), s.fired, s.emitted]);
    }
    const snapshot: SessionStateSnapshot = { ...this.time.snapshot(), lateEvents: this.lateEvents, foldedEvents: this.foldedEvents, sessions };
    if (this.unconfirmed.length > 0) Object.assign(snapshot, { unconfirmed: this.unconfirmed, emittedSinceRestore: [...this.emittedSinceRestore] });
    return snapshot;
  }

  private sessionsOf(canonical: string): Session[] {
    let sessions = this.byKey.get(canonical);
    if (!sessions) this.byKey.set(canonical, (sessions = []));
    return sessions;
  }

  private row(session: Session, final: boolean, revision: number, updatedAt: number): WindowRowRecord {
    return {
      view: this.view.name,
      windowStart: session.start,
      windowEnd: session.end,
      key: session.key,
      values: session.accumulator.values(),
      eventCount: session.accumulator.count,
      final,
      revision,
      updatedAt,
    };
  }

  /** The row that takes back what was stored under [start, end): no events, no values. */
  private retraction(key: Record<string, KeyValue>, [start, end]: [number, number]): WindowRowRecord {
    const values = Object.fromEntries(this.view.measures.map((measure) => [measure.name, null]));
    return { view: this.view.name, windowStart: start, windowEnd: end, key, values, eventCount: 0, final: true, revision: 0, updatedAt: 0 };
  }
}
