// Baselines of the processor benchmark: a plain loop computing the view's aggregates in memory, the
// product's ViewWindowState folding the same events without I/O, and a check of stored rows.

import type { ViewDefinition } from '../src/domain/definitions';
import type { LoggedEvent } from '../src/domain/envelope';
import type { WindowRowRecord } from '../src/ports/aggregate-store';
import { ViewWindowState } from '../src/stream/view-state';
import type { OrderEvent } from './events';
import { elapsedMs } from './report';

interface Group {
  start: number;
  store: string;
  count: number;
  sum: number;
  max: number;
  users: Set<string>;
  latencies: number[];
}

export interface Aggregate {
  orders: number;
  revenue: number;
  avg_order: number;
  max_order: number;
  buyers: number;
  p95_latency: number;
}

/** The baseline: one pass with a Map of plain objects, then the final values of every group. */
export function plainLoop(events: readonly OrderEvent[], windowMs: number): Map<string, Aggregate> {
  const groups = new Map<string, Group>();
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const start = event.ts - (event.ts % windowMs);
    const store = event.store as string;
    const id = `${start}|${store}`;
    let group = groups.get(id);
    if (group === undefined) {
      group = { start, store, count: 0, sum: 0, max: -Infinity, users: new Set(), latencies: [] };
      groups.set(id, group);
    }
    group.count++;
    group.sum += event.amount;
    if (event.amount > group.max) group.max = event.amount;
    group.users.add(event.userId);
    group.latencies.push(event.latencyMs);
  }
  const result = new Map<string, Aggregate>();
  for (const [id, group] of groups) {
    const sorted = Float64Array.from(group.latencies).sort();
    result.set(id, {
      orders: group.count,
      revenue: group.sum,
      avg_order: group.sum / group.count,
      max_order: group.max,
      buyers: group.users.size,
      p95_latency: sorted[Math.ceil((95 * sorted.length) / 100) - 1],
    });
  }
  return result;
}

/** The product's window state over the same events, no I/O: fold every event, drain every `drainEvery`. */
export function foldInMemory(view: ViewDefinition, logged: readonly LoggedEvent[], drainEvery: number): number {
  const state = new ViewWindowState(view, 5_000);
  let rows = 0;
  for (let i = 0; i < logged.length; i++) {
    state.fold(logged[i]);
    if ((i + 1) % drainEvery === 0 || i === logged.length - 1) rows += state.drain(i + 1, 0).length;
  }
  return rows;
}

export function bestOf<T>(runs: number, body: () => T): { ms: number; result: T } {
  let best = { ms: Infinity, result: undefined as T };
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    const result = body();
    const ms = elapsedMs(started);
    if (ms < best.ms) best = { ms, result };
  }
  return best;
}

/** Rows whose values differ from the baseline's (sums compared to 1e-6 relative). */
export function compareRows(rows: readonly WindowRowRecord[], expected: Map<string, Aggregate>): string[] {
  const problems: string[] = [];
  const found = new Set<string>();
  for (const row of rows) {
    const id = `${row.windowStart}|${row.key.store}`;
    found.add(id);
    const want = expected.get(id);
    if (!want) {
      problems.push(`unexpected row ${id}`);
      continue;
    }
    for (const [name, value] of Object.entries(want) as [keyof Aggregate, number][]) {
      const got = row.values[name];
      const close = typeof got === 'number' && Math.abs(got - value) <= 1e-6 * Math.max(1, Math.abs(value));
      if (!close) problems.push(`${id} ${name}: stored ${got}, expected ${value}`);
    }
  }
  for (const id of expected.keys()) if (!found.has(id)) problems.push(`missing row ${id}`);
  return problems;
}
