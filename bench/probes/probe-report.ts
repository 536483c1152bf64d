// What the gateway probe reports, how the benchmark finds it in the child's stderr, and how it prints.

export const PROBE_PREFIX = 'TRIBUTARY_BENCH_PROBE ';

export interface StageStats {
  count: number;
  totalMs: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ProbeReport {
  /** How late a 5 ms event-loop timer fired (monitorEventLoopDelay minus its period), in ms. */
  loopDelayMs: { p50: number; p99: number; max: number };
  /** Call-to-settlement time of each timed operation, in ms. */
  stages: Record<string, StageStats>;
}

/** The report on one line of the child's stderr, or undefined for any other line. */
export function parseProbeLine(line: string): ProbeReport | undefined {
  return line.startsWith(PROBE_PREFIX) ? (JSON.parse(line.slice(PROBE_PREFIX.length)) as ProbeReport) : undefined;
}

/** Rows for printRows: one per stage, then the event loop delay. */
export function probeRows(report: ProbeReport, wallMs: number): [string, string][] {
  const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '-');
  const rows: [string, string][] = Object.entries(report.stages)
    .sort(([, a], [, b]) => b.totalMs - a.totalMs)
    .map(([stage, s]) => [
      `  gateway ${stage}`,
      `${s.count} calls, p50 ${ms(s.p50)} ms, p95 ${ms(s.p95)} ms, p99 ${ms(s.p99)} ms, max ${ms(s.max)} ms (on average ${(s.totalMs / wallMs).toFixed(2)} in flight)`,
    ]);
  const { p50, p99, max } = report.loopDelayMs;
  rows.push(['  gateway event loop delay', `p50 ${ms(p50)} ms, p99 ${ms(p99)} ms, max ${ms(max)} ms`]);
  return rows;
}
