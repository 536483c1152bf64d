// Preloaded into a benchmark's gateway child (`node --require dist/bench/probes/gateway-probe.js`):
// times the gateway's durable writes (event log appends, checkpoint saves, chDB statements) and the
// event loop's delay, without any change to the product. On SIGUSR2 it writes one line
// `TRIBUTARY_BENCH_PROBE <json>` with the numbers since the last report to stderr and starts afresh
// (so a benchmark can cut its run into phases); on SIGTERM it writes the last phase's line.

import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Session } from 'chdb';
import { LmdbCheckpointStore } from '../../src/adapters/embedded/lmdb-checkpoint-store';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { PROBE_PREFIX, type ProbeReport, type StageStats } from './probe-report';

const samples = new Map<string, number[]>();
const LOOP_RESOLUTION_MS = 5;
const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
loopDelay.enable();

function record(stage: string, ms: number): void {
  let list = samples.get(stage);
  if (!list) samples.set(stage, (list = []));
  list.push(ms);
}

/** Replaces `proto[method]` with a version that records call-to-settlement time under a stage name. */
function timeMethod(proto: object, method: string, stage: (args: unknown[]) => string | undefined): void {
  const original = (proto as Record<string, (...args: unknown[]) => Promise<unknown>>)[method];
  (proto as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    const name = stage(args);
    const started = performance.now();
    const result = original.apply(this, args);
    if (name) void result.then(() => record(name, performance.now() - started), () => undefined);
    return result;
  };
}

timeMethod(LmdbEventLog.prototype, 'append', ([topic]) => (String(topic).startsWith('events.') ? 'event log append' : undefined));
timeMethod(LmdbCheckpointStore.prototype, 'save', () => 'checkpoint save');
timeMethod(Session.prototype, 'queryAsync', ([sql]) => (/^\s*INSERT/i.test(String(sql)) ? 'chDB INSERT' : 'chDB other statement'));

function stats(list: number[]): StageStats {
  const sorted = [...list].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  return { count: sorted.length, totalMs: sorted.reduce((a, b) => a + b, 0), p50: at(50), p95: at(95), p99: at(99), max: at(100) };
}

/** The histogram holds the whole timer period (an idle loop reads ~5 ms); keep only the lateness. */
function lateness(ns: number): number {
  return Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
}

function report(): void {
  const report: ProbeReport = {
    loopDelayMs: { p50: lateness(loopDelay.percentile(50)), p99: lateness(loopDelay.percentile(99)), max: lateness(loopDelay.max) },
    stages: Object.fromEntries([...samples].map(([stage, list]) => [stage, stats(list)])),
  };
  // Synchronous on Linux for pipes, so the line is out before the gateway finishes shutting down.
  process.stderr.write(`${PROBE_PREFIX}${JSON.stringify(report)}\n`);
  samples.clear();
  loopDelay.reset();
}

process.on('SIGUSR2', report);
process.on('SIGTERM', report);
