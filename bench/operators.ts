// Throughput of the pure stream operators (window assignment, group keys, measure accumulators),
// printed next to a plain in-memory loop computing COUNT and SUM measured in the same run.

import type { MeasureDefinition } from '../src/domain/definitions';
import { WindowAccumulator } from '../src/stream/measures';
import { assignWindows, GroupKeyReader } from '../src/stream/windows';
import { measurement, type BenchResult } from './report';

const EVENTS = 1_000_000;
const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'IN', 'JP', 'NG'];

function makeEvents(): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  let seed = 1;
  for (let i = 0; i < EVENTS; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    events.push({
      ts: 1_763_892_000_000 + i * 3,
      user: { id: `u${seed % 50_000}`, country: COUNTRIES[i % COUNTRIES.length] },
      amount: (seed % 100_000) / 100,
      latencyMs: 5 + (seed % 997) * ((seed >>> 20) % 7),
    });
  }
  return events;
}

/** Best of `runs` timings in ms, after one warm-up. */
function time(runs: number, body: () => unknown): number {
  body();
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const started = process.hrtime.bigint();
    body();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6);
  }
  return best;
}

const perSecond = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');

export function runOperatorsBench(): BenchResult {
  const events = makeEvents();
  let sink = 0;

  const baselineMs = time(5, () => {
    let count = 0;
    let sum = 0;
    for (let i = 0; i < events.length; i++) {
      count++;
      const amount = events[i].amount;
      if (typeof amount === 'number') sum += amount;
    }
    sink += count + sum;
  });

  const countSum: MeasureDefinition[] = [{ name: 'n', fn: 'COUNT' }, { name: 'total', fn: 'SUM', field: 'amount' }];
  const countSumMs = time(5, () => {
    const accumulator = new WindowAccumulator(countSum);
    for (let i = 0; i < events.length; i++) accumulator.add(events[i]);
    sink += accumulator.values().total ?? 0;
  });

  const full: MeasureDefinition[] = [
    { name: 'n', fn: 'COUNT' },
    { name: 'total', fn: 'SUM', field: 'amount' },
    { name: 'low', fn: 'MIN', field: 'amount' },
    { name: 'high', fn: 'MAX', field: 'amount' },
    { name: 'mean', fn: 'AVG', field: 'amount' },
    { name: 'users', fn: 'UNIQ', field: 'user.id' },
    { name: 'p50', fn: 'P50', field: 'latencyMs' },
    { name: 'p99', fn: 'P99', field: 'latencyMs' },
  ];
  const fullOneWindowMs = time(3, () => {
    const accumulator = new WindowAccumulator(full);
    for (let i = 0; i < events.length; i++) accumulator.add(events[i]);
    sink += accumulator.values().p99 ?? 0;
  });
  // Windows of 5,000 events stay under the exact limits: Set and exact quantile arrays throughout.
  const fullSmallWindowsMs = time(3, () => {
    let accumulator = new WindowAccumulator(full);
    for (let i = 0; i < events.length; i++) {
      if (i % 5_000 === 0) {
        sink += accumulator.values().p99 ?? 0;
        accumulator = new WindowAccumulator(full);
      }
      accumulator.add(events[i]);
    }
  });

  const keys = new GroupKeyReader(['user.country']);
  const assignMs = time(5, () => {
    for (let i = 0; i < events.length; i++) {
      const windows = assignWindows(events[i].ts as number, 60_000, 10_000);
      sink += windows.length + keys.read(events[i]).canonical.length;
    }
  });

  const rows = [
    ['baseline: plain loop COUNT+SUM', baselineMs, EVENTS, 2],
    ['WindowAccumulator COUNT+SUM', countSumMs, EVENTS, 2],
    ['WindowAccumulator 8 measures, 1 window (sketches)', fullOneWindowMs, EVENTS, 8],
    ['WindowAccumulator 8 measures, 5k-event windows (exact)', fullSmallWindowsMs, EVENTS, 8],
    ['assignWindows(1m/10s hop) + group key', assignMs, EVENTS, 0],
  ] as const;
  console.log(`operators bench, ${EVENTS.toLocaleString('en-US')} events, node ${process.version}`);
  for (const [name, ms, count, measures] of rows) {
    const updates = measures > 0 ? `  ${perSecond(count * measures, ms).padStart(12)} measure-updates/s` : '';
    console.log(`${name.padEnd(56)} ${ms.toFixed(1).padStart(8)} ms ${perSecond(count, ms).padStart(12)} events/s${updates}`);
  }
  console.log(`ratio COUNT+SUM accumulator / baseline time: ${(countSumMs / baselineMs).toFixed(2)}x`);
  if (sink === 42) console.log(''); // keeps the loops from being optimised away
  return {
    name: 'operators',
    measurements: [
      measurement('WindowAccumulator COUNT+SUM, events/s', (EVENTS / countSumMs) * 1000, 'events/s'),
      measurement('WindowAccumulator 8 measures exact, events/s', (EVENTS / fullSmallWindowsMs) * 1000, 'events/s'),
      measurement('COUNT+SUM accumulator time / plain loop time', countSumMs / baselineMs, 'x'),
    ],
    notes: [],
  };
}

// Runs when executed directly (node dist/bench/operators.js), not when a bench runner imports it.
if (require.main === module) runOperatorsBench();
