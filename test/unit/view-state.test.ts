import { describe, expect, it } from 'vitest';
import type { ViewDefinition } from '../../src/domain/definitions';
import type { LoggedEvent } from '../../src/domain/envelope';
import type { WindowRowRecord } from '../../src/ports/aggregate-store';
import { ViewWindowState } from '../../src/stream/view-state';

const view: ViewDefinition = {
  name: 'per_minute',
  stream: 'orders',
  description: '',
  windowMs: 60_000,
  hopMs: null,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
  ],
  createdAt: 0,
  createdBy: 'test',
};

let seq = 0;
function event(eventTime: number, country: string, amount: number): LoggedEvent {
  seq += 1;
  return {
    envelope: { eventId: `e${seq}`, stream: 'orders', traceId: 't', producer: 'p', receivedAt: 0, eventTime },
    payload: { ts: eventTime, country, amount },
  };
}

const summary = (rows: WindowRowRecord[]) => rows.map((r) => `${r.windowStart}/${r.key.country}:${r.values.orders}:${r.values.revenue}:${r.final ? 'F' : 'u'}`);

describe('ViewWindowState', () => {
  it('emits changed windows, then each window once more as final when the watermark passes its end', () => {
    const state = new ViewWindowState(view, 5_000);
    state.fold(event(1_000, 'DE', 10));
    state.fold(event(2_000, 'FR', 5));
    state.fold(event(59_999, 'DE', 1));
    expect(summary(state.drain(3, 0))).toEqual(['0/DE:2:11:u', '0/FR:1:5:u']);
    expect(state.drain(3, 0)).toEqual([]);

    state.fold(event(64_999, 'DE', 7)); // watermark 59_999: window [0, 60000) still open
    expect(summary(state.drain(4, 0))).toEqual(['60000/DE:1:7:u']);
    state.fold(event(65_000, 'FR', 2)); // watermark 60_000 closes [0, 60000)
    expect(summary(state.drain(5, 0))).toEqual(['0/DE:2:11:F', '0/FR:1:5:F', '60000/FR:1:2:u']);
  });

  it('leaves late events out of closed windows and counts them', () => {
    const state = new ViewWindowState(view, 0);
    state.fold(event(61_000, 'DE', 1));
    state.drain(1, 0);
    state.fold(event(59_000, 'DE', 100)); // its window ended at 60000 <= watermark 61000
    expect(state.drain(2, 0)).toEqual([]);
    expect(state.stats()).toMatchObject({ lateEvents: 1, foldedEvents: 1 });
  });

  it('with allowed lateness, corrects a fired window with each late event until end + lateness, then sends events to the side output', () => {
    const state = new ViewWindowState({ ...view, allowedLatenessMs: 30_000 }, 0);
    expect(state.fold(event(10_000, 'DE', 1))).toBe(true);
    expect(summary(state.drain(1, 0))).toEqual(['0/DE:1:1:u']);
    state.fold(event(70_000, 'DE', 2)); // watermark 70_000 >= 60_000: [0, 60000) fires
    expect(summary(state.drain(2, 0))).toEqual(['0/DE:1:1:F', '60000/DE:1:2:u']);
    expect(state.fold(event(59_000, 'DE', 10))).toBe(true); // late, but 60_000 + 30_000 > 70_000
    expect(state.fold(event(5_000, 'FR', 4))).toBe(true); // a key the window had not seen
    const corrected = state.drain(3, 0);
    expect(summary(corrected)).toEqual(['0/DE:2:11:F', '0/FR:1:4:F']);
    expect(corrected.map((row) => row.revision)).toEqual([3, 3]);
    expect(state.drain(4, 0)).toEqual([]); // a fired window is not sent again unless it changes
    state.fold(event(90_000, 'FR', 1)); // watermark 90_000: 60_000 + 30_000 <= 90_000, [0, 60000) is gone
    state.drain(5, 0);
    expect(state.fold(event(1_000, 'DE', 100))).toBe(false);
    expect(state.drain(6, 0)).toEqual([]);
    expect(state.stats()).toMatchObject({ lateEvents: 1, foldedEvents: 5 });
  });

  it('counts a hopping-window event as late only when every window holding it is past its lateness (as Flink does)', () => {
    const hopping = new ViewWindowState({ ...view, windowMs: 60_000, hopMs: 20_000 }, 0);
    hopping.fold(event(100_000, 'DE', 1));
    hopping.drain(1, 0);
    // 45_000 is in [0, 60000), [20000, 80000) (closed) and [40000, 100000) (closes exactly at 100_000), so late.
    expect(hopping.fold(event(45_000, 'DE', 1))).toBe(false);
    // 65_000 is also in [60000, 120000), still open: it is folded there and not late.
    expect(hopping.fold(event(65_000, 'DE', 1))).toBe(true);
    expect(summary(hopping.drain(2, 0))).toEqual(['60000/DE:2:2:u']);
    expect(hopping.stats()).toMatchObject({ lateEvents: 1, foldedEvents: 2 });
  });

  it('keeps whether a window fired across a snapshot, so a restored window is not fired twice', () => {
    const lateView = { ...view, allowedLatenessMs: 60_000 };
    const state = new ViewWindowState(lateView, 0);
    state.fold(event(1_000, 'DE', 1));
    state.fold(event(61_000, 'DE', 1));
    expect(summary(state.drain(1, 0))).toEqual(['0/DE:1:1:F', '60000/DE:1:1:u']);
    const restored = new ViewWindowState(lateView, 0, JSON.parse(JSON.stringify(state.snapshot())));
    expect(restored.drain(2, 0)).toEqual([]);
    restored.fold(event(2_000, 'DE', 5));
    expect(summary(restored.drain(3, 0))).toEqual(['0/DE:2:6:F']);
  });

  it('puts an event into every hopping window that contains it', () => {
    const hopping = new ViewWindowState({ ...view, windowMs: 60_000, hopMs: 20_000 }, 1_000_000);
    hopping.fold(event(45_000, 'DE', 3));
    expect(hopping.drain(1, 0).map((r) => [r.windowStart, r.windowEnd])).toEqual([
      [0, 60_000],
      [20_000, 80_000],
      [40_000, 100_000],
    ]);
  });

  it('restored from a snapshot, continues exactly as if never interrupted', () => {
    const events = Array.from({ length: 400 }, (_, i) => event(i * 997, i % 3 === 0 ? 'DE' : 'FR', i));
    const straight = new ViewWindowState(view, 2_000);
    const rowsStraight: WindowRowRecord[] = [];
    const interrupted = new ViewWindowState(view, 2_000);
    const rowsInterrupted: WindowRowRecord[] = [];
    events.forEach((e, i) => {
      straight.fold(e);
      if (i % 50 === 49) rowsStraight.push(...straight.drain(i + 1, 0));
    });
    let current = interrupted;
    events.forEach((e, i) => {
      current.fold(e);
      if (i % 50 === 49) {
        rowsInterrupted.push(...current.drain(i + 1, 0));
        current = new ViewWindowState(view, 2_000, JSON.parse(JSON.stringify(current.snapshot())));
      }
    });
    expect(rowsInterrupted).toEqual(rowsStraight);
    expect(current.snapshot()).toEqual(straight.snapshot());
  });
});
