import { describe, expect, it } from 'vitest';
import type { ViewDefinition } from '../../src/domain/definitions';
import type { LoggedEvent } from '../../src/domain/envelope';
import type { WindowRowRecord } from '../../src/ports/aggregate-store';
import { SessionWindowState } from '../../src/stream/session-state';

const GAP = 30_000;
const view: ViewDefinition = {
  name: 'visits',
  stream: 'clicks',
  description: '',
  windowMs: GAP,
  hopMs: null,
  sessionGapMs: GAP,
  groupBy: ['user'],
  measures: [
    { name: 'clicks', fn: 'COUNT' },
    { name: 'spent', fn: 'SUM', field: 'amount' },
  ],
  createdAt: 0,
  createdBy: 'test',
};

let seq = 0;
const click = (time: number, user: string, amount = 1): LoggedEvent => ({
  envelope: { eventId: `e${++seq}`, stream: 'clicks', traceId: 't', producer: 'p', receivedAt: 0, eventTime: time },
  payload: { ts: time, user, amount },
});
const summary = (rows: WindowRowRecord[]) => rows.map((r) => `${r.key.user}@${r.windowStart}-${r.windowEnd}:${r.eventCount}${r.final ? 'F' : ''}`);

/** What a store holds after these upserts: the highest revision per (start, key), retractions left out. */
function stored(all: WindowRowRecord[]): string[] {
  const rows = new Map<string, WindowRowRecord>();
  for (const row of all) {
    const id = `${row.key.user}@${row.windowStart}`;
    if ((rows.get(id)?.revision ?? -1) <= row.revision) rows.set(id, row);
  }
  return summary([...rows.values()].filter((row) => row.eventCount > 0)).sort();
}

/** The oracle: each user's events sorted by time, split wherever the next one starts after the session's end (time + gap). */
function sessionsOf(events: { time: number; user: string }[]): string[] {
  const byUser = new Map<string, number[]>();
  for (const { time, user } of events) byUser.set(user, [...(byUser.get(user) ?? []), time]);
  const out: string[] = [];
  for (const [user, times] of byUser) {
    times.sort((a, b) => a - b);
    let [start, end, count] = [times[0], times[0] + GAP, 1];
    for (const time of times.slice(1)) {
      if (time <= end) {
        end = Math.max(end, time + GAP);
        count += 1;
      } else {
        out.push(`${user}@${start}-${end}:${count}`);
        [start, end, count] = [time, time + GAP, 1];
      }
    }
    out.push(`${user}@${start}-${end}:${count}`);
  }
  return out;
}

describe('session windows', () => {
  it('grows a session while events come within the gap (touching counts), and fires it once the watermark passes its end', () => {
    const state = new SessionWindowState(view, 0);
    state.fold(click(0, 'ann'));
    state.fold(click(10_000, 'ann'));
    expect(summary(state.drain(1, 0))).toEqual(['ann@0-40000:2']);
    state.fold(click(40_000, 'ann')); // starts exactly where the session ends: merged, as in Flink
    state.fold(click(45_000, 'bob'));
    expect(summary(state.drain(2, 0))).toEqual(['ann@0-70000:3', 'bob@45000-75000:1']);
    state.fold(click(71_000, 'cid')); // watermark 71 s: ann's session [0, 70 s) fires
    expect(summary(state.drain(3, 0))).toEqual(['ann@0-70000:3F', 'cid@71000-101000:1']);
    expect(state.stats()).toMatchObject({ foldedEvents: 5, lateEvents: 0, openWindows: 2 });
  });

  it('merges two sessions an out-of-order event bridges, and retracts the row of the one absorbed', () => {
    const state = new SessionWindowState(view, 60_000);
    state.fold(click(0, 'ann'));
    state.fold(click(50_000, 'ann'));
    expect(summary(state.drain(1, 0))).toEqual(['ann@0-30000:1', 'ann@50000-80000:1']);
    state.fold(click(25_000, 'ann', 5)); // [25 s, 55 s) touches both
    const rows = state.drain(2, 0);
    expect(summary(rows)).toEqual(['ann@0-80000:3', 'ann@50000-80000:0F']);
    expect(rows[0].values).toEqual({ clicks: 3, spent: 7 });
    expect(rows[1]).toMatchObject({ eventCount: 0, values: { clicks: null, spent: null }, revision: 2 });
  });

  it('retracts the old row when a late event moves a session start earlier', () => {
    const state = new SessionWindowState(view, 60_000);
    state.fold(click(100_000, 'ann'));
    state.drain(1, 0);
    state.fold(click(80_000, 'ann'));
    expect(summary(state.drain(2, 0))).toEqual(['ann@80000-130000:2', 'ann@100000-130000:0F']);
  });

  it('takes events within the allowed lateness into a fired session, correcting it, and refuses later ones', () => {
    const state = new SessionWindowState({ ...view, allowedLatenessMs: 20_000 }, 0);
    state.fold(click(0, 'ann'));
    state.fold(click(35_000, 'bob')); // watermark 35 s: ann's [0, 30 s) fires
    expect(summary(state.drain(1, 0))).toEqual(['ann@0-30000:1F', 'bob@35000-65000:1']);
    expect(state.fold(click(5_000, 'ann'))).toBe(true); // within 30 s + 20 s
    expect(summary(state.drain(2, 0))).toEqual(['ann@0-35000:2F']);
    state.fold(click(60_000, 'bob')); // watermark 60 s: ann's session is past 35 s + 20 s
    state.drain(3, 0);
    expect(state.fold(click(1_000, 'ann'))).toBe(false);
    expect(state.stats().lateEvents).toBe(1);
  });

  it('never merges into a session already past its lateness, however the batches fall', () => {
    const small = { ...view, windowMs: 10, sessionGapMs: 10 };
    const oneBatch = new SessionWindowState(small, 0);
    const split = new SessionWindowState(small, 0);
    const rows: WindowRowRecord[][] = [[], []];
    for (const [time, user] of [[0, 'u'], [12, 'v'], [10, 'u']] as const) {
      oneBatch.fold(click(time, user));
      split.fold(click(time, user));
      rows[1].push(...split.drain(time + 1, 0));
    }
    oneBatch.fold(click(100, 'w'));
    split.fold(click(100, 'w'));
    rows[0].push(...oneBatch.drain(200, 0));
    rows[1].push(...split.drain(200, 0));
    // [0, 10) is gone once the watermark (before u@10 arrives) is 12: u@10 opens a session of its own.
    expect(stored(rows[0]).filter((r) => r.startsWith('u'))).toEqual(['u@0-10:1F', 'u@10-20:1F']);
    expect(stored(rows[1]).filter((r) => r.startsWith('u'))).toEqual(stored(rows[0]).filter((r) => r.startsWith('u')));
  });

  it('after a crash between storing rows and the checkpoint, retracts the rows the replay does not write again', () => {
    const before = new SessionWindowState(view, 200_000);
    before.fold(click(0, 'bob'));
    const first = before.drain(1, 0); // stored and checkpointed with bob's session
    const checkpoint = JSON.parse(JSON.stringify(before.snapshot()));
    // The run goes on: one event in a batch, its row stored at revision 2, then a crash before the checkpoint.
    before.fold(click(100_000, 'ann'));
    const written = before.drain(2, 0);
    expect(summary(written)).toEqual(['ann@100000-130000:1']);
    const restored = new SessionWindowState(view, 200_000, { ...checkpoint, unconfirmed: SessionWindowState.intents(written) });
    // The replay's batch holds more (the producer wrote on): ann's session now starts at 95 s.
    restored.fold(click(100_000, 'ann'));
    restored.fold(click(95_000, 'ann'));
    const replayed = restored.drain(3, 0);
    expect(summary(replayed)).toEqual(['ann@95000-130000:2', 'ann@100000-130000:0F']);
    expect(stored([...first, ...written, ...replayed])).toEqual(['ann@95000-130000:2', 'bob@0-30000:1']);
    expect(restored.snapshot()).not.toHaveProperty('unconfirmed');
  });

  it('keeps an unconfirmed row the replay wrote again, even if its session was purged before the replay passed it', () => {
    const restored = new SessionWindowState(view, 0, {
      maxEventTime: null,
      lateEvents: 0,
      foldedEvents: 0,
      sessions: [],
      unconfirmed: [[0, 30_000, { user: 'ann' }, 5]],
    });
    restored.fold(click(0, 'ann'));
    restored.fold(click(40_000, 'bob')); // ann's [0, 30 s) fires and is purged at this drain
    expect(summary(restored.drain(2, 0))).toEqual(['ann@0-30000:1F', 'bob@40000-70000:1']);
    restored.fold(click(41_000, 'bob'));
    const later = restored.drain(5, 0); // past the unconfirmed row's revision: ann@0 was written again, so it stays
    expect(summary(later).filter((row) => row.startsWith('ann'))).toEqual([]);
    expect(JSON.parse(JSON.stringify(restored.snapshot()))).not.toHaveProperty('unconfirmed');
  });

  it('stores what the oracle computes, for shuffled events within the watermark delay, across snapshots', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const events = Array.from({ length: 2_000 }, (_, i) => ({ time: i * 3_000 + Math.floor(random() * 40_000), user: `u${Math.floor(random() * 12)}` }));
    // Arrival order: sorted by time, then shuffled locally, never more than 50 s out of order.
    const arrivals = [...events].sort((a, b) => a.time - b.time);
    for (let i = 0; i + 1 < arrivals.length; i++) if (random() < 0.3 && arrivals[i + 1].time - arrivals[i].time < 50_000) [arrivals[i], arrivals[i + 1]] = [arrivals[i + 1], arrivals[i]];
    let state = new SessionWindowState(view, 60_000);
    const rows: WindowRowRecord[] = [];
    arrivals.forEach((event, i) => {
      state.fold(click(event.time, event.user));
      if (i % 97 === 96) {
        rows.push(...state.drain(i, 0));
        state = new SessionWindowState(view, 60_000, JSON.parse(JSON.stringify(state.snapshot())));
      }
    });
    const last = Math.max(...events.map((e) => e.time));
    state.fold(click(last + 200_000, 'closer'));
    rows.push(...state.drain(arrivals.length + 1, 0));
    expect(state.stats().lateEvents).toBe(0);
    expect(stored(rows).filter((row) => !row.startsWith('closer'))).toEqual(sessionsOf(events).map((s) => `${s}F`).sort());
  });
});
