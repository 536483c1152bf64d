// What a benchmark hands back to the runner, and how numbers are printed. Targets are reported as
// met or missed, never asserted: a benchmark must not fail on timing.

export interface Target {
  /** `min`: the value should be at least `value`; `max`: below it. */
  kind: 'min' | 'max';
  value: number;
}

export interface Measurement {
  label: string;
  value: number;
  unit: string;
  target?: Target;
}

export interface BenchResult {
  name: string;
  measurements: Measurement[];
  /** Lines worth repeating under the summary table (what was scaled down, what looked wrong). */
  notes: string[];
}

export function measurement(label: string, value: number, unit: string, target?: Target): Measurement {
  return { label, value, unit, target };
}

export function targetMet(m: Measurement): boolean | undefined {
  if (!m.target || !Number.isFinite(m.value)) return m.target ? false : undefined;
  return m.target.kind === 'min' ? m.value >= m.target.value : m.value < m.target.value;
}

export function formatNumber(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return String(value);
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatValue(value: number, unit: string): string {
  const digits = unit === 'x' || unit === 'ratio' ? 2 : unit === 'ms' && Math.abs(value) < 100 ? 1 : 0;
  return `${formatNumber(value, digits)} ${unit}`;
}

export function formatTarget(target: Target | undefined, unit: string): string {
  if (!target) return '';
  return `${target.kind === 'min' ? '>=' : '<'} ${formatValue(target.value, unit)}`;
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export function elapsedMs(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Prints `label ........ value` lines aligned, for the body of one benchmark's output. */
export function printRows(rows: readonly [label: string, value: string][]): void {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

export function printSummary(results: readonly BenchResult[]): void {
  const lines: string[][] = [['benchmark', 'metric', 'value', 'target', '']];
  for (const result of results) {
    for (const m of result.measurements) {
      const met = targetMet(m);
      lines.push([result.name, m.label, formatValue(m.value, m.unit), formatTarget(m.target, m.unit), met === undefined ? '' : met ? 'met' : 'MISSED']);
    }
  }
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  const render = (line: string[]) =>
    line
      .map((cell, column) => (column === 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ')
      .trimEnd();
  console.log(render(lines[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  ').trimEnd());
  for (const line of lines.slice(1)) console.log(render(line));
  const notes = results.flatMap((result) => result.notes.map((note) => `${result.name}: ${note}`));
  if (notes.length > 0) {
    console.log('');
    for (const note of notes) console.log(`note  ${note}`);
  }
}
