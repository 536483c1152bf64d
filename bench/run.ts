// `npm run bench`: every benchmark in order, each printing its own numbers next to a baseline measured
// in the same run, then one summary table. Targets are reported as met or MISSED; timing never fails
// the run (the exit code is non-zero only when a benchmark could not run at all).
//
//   node dist/bench/run.js [--only <name>[,<name>]] [--profile <dir>] [--list]
//
// --profile <dir> starts the gateway children with --cpu-prof, writing .cpuprofile files into <dir>;
// for the in-process benchmarks, run `node --cpu-prof dist/bench/run.js --only processor` instead.
// Summarise a profile with `node dist/bench/profile-top.js <file.cpuprofile>`.

import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import type { GatewayOptions } from './gateway';
import { runIngestBench } from './ingest';
import { runLatencyBench } from './latency';
import { runOperatorsBench } from './operators';
import { runProcessorBench } from './processor';
import { formatNumber, printSummary, type BenchResult } from './report';

interface Benchmark {
  name: string;
  title: string;
  run(gateway: GatewayOptions): BenchResult | Promise<BenchResult>;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'operators', title: 'stream operators, in memory', run: () => runOperatorsBench() },
  { name: 'ingest', title: 'ingest throughput: GraphQL mutation vs LMDB append', run: (gateway) => runIngestBench({ gateway }) },
  { name: 'latency', title: 'ack → viewUpdates latency at a steady 5,000 events/s', run: (gateway) => runLatencyBench({ gateway }) },
  { name: 'processor', title: 'stream processor throughput vs an in-memory loop', run: () => runProcessorBench() },
];

function usage(): string {
  return `usage: node dist/bench/run.js [--only <${BENCHMARKS.map((b) => b.name).join('|')}>[,...]] [--profile <dir>] [--list]`;
}

function parseArgs(argv: string[]): { only?: string[]; profileDir?: string; list: boolean } {
  const parsed: { only?: string[]; profileDir?: string; list: boolean } = { list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!next) throw new Error(`${arg} needs a value\n${usage()}`);
      return next;
    };
    if (arg === '--only' || arg.startsWith('--only=')) parsed.only = value().split(',');
    else if (arg === '--profile' || arg.startsWith('--profile=')) parsed.profileDir = path.resolve(value());
    else if (arg === '--list') parsed.list = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  for (const name of parsed.only ?? []) {
    if (!BENCHMARKS.some((b) => b.name === name)) throw new Error(`no benchmark named "${name}"\n${usage()}`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(10)} ${b.title}`);
    return;
  }
  const gateway: GatewayOptions = {};
  if (args.profileDir) {
    mkdirSync(args.profileDir, { recursive: true });
    gateway.nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`];
  }
  const selected = BENCHMARKS.filter((b) => !args.only || args.only.includes(b.name));
  console.log(`tributary benchmarks: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs`);
  const results: BenchResult[] = [];
  const failed: string[] = [];
  const started = Date.now();
  for (const benchmark of selected) {
    console.log(`\n=== ${benchmark.name}: ${benchmark.title} ===`);
    const benchStarted = Date.now();
    try {
      results.push(await benchmark.run(gateway));
    } catch (error) {
      failed.push(benchmark.name);
      console.log(`  FAILED to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    console.log(`  (${formatNumber((Date.now() - benchStarted) / 1000, 1)} s)`);
  }
  console.log(`\n=== summary (${formatNumber((Date.now() - started) / 1000, 1)} s) ===`);
  printSummary(results);
  if (args.profileDir) console.log(`\ngateway CPU profiles in ${args.profileDir}`);
  if (failed.length > 0) {
    console.log(`\ncould not run: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

main().then(
  // chDB and LMDB keep native handles; every benchmark has closed what it opened, so exit now.
  () => process.exit(),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  },
);
