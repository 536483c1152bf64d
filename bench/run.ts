// `npm run bench`: every benchmark in order, each printing its own numbers next to a baseline measured
// in the same run, then one summary table. Targets are reported as met or MISSED; timing never fails
// the run (the exit code is non-zero only when a benchmark could not run at all).
//
//   node dist/bench/run.js [--only <name>[,<name>]] [--event-log lmdb|kafka] [--brokers host:port]
//                          [--aggregates chdb|clickhouse] [--profile <dir>] [--list]
//
// --event-log kafka runs the benchmarks that go through the event log (ingest, latency, processor) on
// Kafka, each against a plain kafkajs baseline on the same broker: the cluster --brokers (or
// KAFKA_BROKERS) names, else a private broker started from the tests' jars and removed afterwards.
// TRIBUTARY_KAFKA_PARTITIONS sets the partitions of the streams' topics (6 by default, as a gateway's).
// --only lineage: 3-hop impact queries on a generated 100,000-node graph, Neo4j (NEO4J_URL, else a
// private server) against the embedded LMDB store; not part of the default run (it takes minutes).
// --aggregates picks the store the aggregates benchmark writes to (chDB by default; clickhouse uses
// TRIBUTARY_CLICKHOUSE_URL) and, without --only, runs that benchmark alone.
// --profile <dir> writes .cpuprofile files into <dir>: the gateway children run with --cpu-prof, and
// the processor benchmark profiles its processing phase in-process.
// Summarise a profile with `node dist/bench/profile-top.js <file.cpuprofile>`.

import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { runAggregatesBench, type AggregateStoreKind } from './aggregates';
import { runAuthBench } from './auth';
import type { GatewayOptions } from './gateway';
import { runIngestBench } from './ingest';
import { runLatencyBench } from './latency';
import { runOperatorsBench } from './operators';
import { runProcessorBench } from './processor';
import { runLineageBench } from './lineage';
import { runValidationBench } from './validation';
import { formatNumber, printSummary, sleep, type BenchResult } from './report';
import { openKafka, type BenchKafka } from './servers';

type EventLogKind = 'lmdb' | 'kafka';

interface RunContext {
  gateway: GatewayOptions;
  profileDir: string | undefined;
  aggregates: AggregateStoreKind;
  /** Set with --event-log kafka. */
  kafka: BenchKafka | undefined;
}

interface Benchmark {
  name: string;
  title: string;
  /** The title on Kafka, for the benchmarks --event-log kafka runs. */
  kafkaTitle?: string;
  /** Left out of the default run (too slow): run with --only. */
  onlyOnRequest?: boolean;
  run(context: RunContext): BenchResult | Promise<BenchResult>;
}

const BENCHMARKS: Benchmark[] = [
  { name: 'operators', title: 'stream operators, in memory', run: () => runOperatorsBench() },
  {
    name: 'ingest',
    title: 'ingest throughput: GraphQL mutation vs LMDB append',
    kafkaTitle: 'ingest throughput on Kafka: GraphQL mutation vs a plain kafkajs producer',
    run: ({ gateway, kafka }) => runIngestBench({ gateway, kafka }),
  },
  {
    name: 'latency',
    title: 'ack → viewUpdates latency at a steady 5,000 events/s',
    kafkaTitle: 'ack → viewUpdates latency on Kafka at a steady 5,000 events/s vs plain kafkajs ack → consumer',
    run: ({ gateway, kafka }) => runLatencyBench({ gateway, kafka }),
  },
  {
    name: 'processor',
    title: 'stream processor throughput vs an in-memory loop',
    kafkaTitle: 'stream processor throughput on Kafka vs a plain kafkajs consumer and an in-memory loop',
    run: ({ profileDir, kafka }) => runProcessorBench({ profileDir, kafka }),
  },
  { name: 'auth', title: 'ingest with API keys and ACL checks vs authentication off', run: () => runAuthBench() },
  { name: 'validation', title: 'ingest with schema validation (JSON Schema, Avro) vs without', run: ({ gateway }) => runValidationBench({ gateway }) },
  {
    name: 'aggregates',
    title: 'aggregate writes: AggregateStore upsert vs one plain INSERT ... FORMAT JSONEachRow',
    run: ({ aggregates }) => runAggregatesBench({ store: aggregates }),
  },
  {
    name: 'lineage',
    title: '3-hop lineage impact queries on a 100,000-node graph: Neo4j vs the LMDB store',
    onlyOnRequest: true,
    run: () => runLineageBench(),
  },
];
const STORES: readonly AggregateStoreKind[] = ['chdb', 'clickhouse'];
const EVENT_LOGS: readonly EventLogKind[] = ['lmdb', 'kafka'];

function usage(): string {
  return `usage: node dist/bench/run.js [--only <${BENCHMARKS.map((b) => b.name).join('|')}>[,...]] [--event-log ${EVENT_LOGS.join('|')}] [--brokers host:port] [--aggregates ${STORES.join('|')}] [--profile <dir>] [--list]`;
}

interface Args {
  only?: string[];
  profileDir?: string;
  aggregates?: AggregateStoreKind;
  eventLog: EventLogKind;
  brokers?: string;
  list: boolean;
}

function parseArgs(argv: string[]): Args {
  const parsed: Args = { eventLog: 'lmdb', list: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (!next) throw new Error(`${arg} needs a value\n${usage()}`);
      return next;
    };
    if (arg === '--only' || arg.startsWith('--only=')) parsed.only = value().split(',');
    else if (arg === '--profile' || arg.startsWith('--profile=')) parsed.profileDir = path.resolve(value());
    else if (arg === '--aggregates' || arg.startsWith('--aggregates=')) {
      const store = value();
      if (!STORES.includes(store as AggregateStoreKind)) throw new Error(`--aggregates must be one of ${STORES.join(', ')}; got "${store}"\n${usage()}`);
      parsed.aggregates = store as AggregateStoreKind;
    } else if (arg === '--event-log' || arg.startsWith('--event-log=')) {
      const log = value();
      if (!EVENT_LOGS.includes(log as EventLogKind)) throw new Error(`--event-log must be one of ${EVENT_LOGS.join(', ')}; got "${log}"\n${usage()}`);
      parsed.eventLog = log as EventLogKind;
    } else if (arg === '--brokers' || arg.startsWith('--brokers=')) {
      parsed.brokers = value();
      parsed.eventLog = 'kafka';
    } else if (arg === '--list') parsed.list = true;
    else if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${usage()}`);
  }
  if (parsed.aggregates && !parsed.only) parsed.only = ['aggregates'];
  for (const name of parsed.only ?? []) {
    const benchmark = BENCHMARKS.find((b) => b.name === name);
    if (!benchmark) throw new Error(`no benchmark named "${name}"\n${usage()}`);
    if (parsed.eventLog === 'kafka' && !benchmark.kafkaTitle) {
      throw new Error(`--event-log kafka runs ${BENCHMARKS.filter((b) => b.kafkaTitle).map((b) => b.name).join(', ')}; "${name}" does not use the event log\n${usage()}`);
    }
  }
  return parsed;
}

/** CPU cores busy over one second while this process idles (from /proc/stat), else the load average. */
async function otherCpuUse(): Promise<{ busyCores: number; description: string }> {
  const sample = (): { idle: number; total: number } | undefined => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
      return { idle: fields[3] + (fields[4] ?? 0), total: fields.reduce((a, b) => a + b, 0) };
    } catch {
      return undefined;
    }
  };
  const before = sample();
  await sleep(1_000);
  const after = sample();
  if (!before || !after || after.total === before.total) {
    const load = loadavg()[0];
    return { busyCores: load, description: `load average ${formatNumber(load, 2)} on ${cpus().length} CPUs` };
  }
  const busyCores = (1 - (after.idle - before.idle) / (after.total - before.total)) * cpus().length;
  return { busyCores, description: `other processes used ${formatNumber(busyCores, 2)} of ${cpus().length} CPUs over 1 s (load average ${formatNumber(loadavg()[0], 2)})` };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.name.padEnd(10)} ${b.title}${b.onlyOnRequest ? ' (only with --only)' : ''}${b.kafkaTitle ? ' (also --event-log kafka)' : ''}`);
    return;
  }
  const gateway: GatewayOptions = {};
  if (args.profileDir) {
    mkdirSync(args.profileDir, { recursive: true });
    gateway.nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`];
  }
  const onKafka = args.eventLog === 'kafka';
  const selected = BENCHMARKS.filter((b) => (args.only ? args.only.includes(b.name) : !b.onlyOnRequest && (!onKafka || b.kafkaTitle)));
  console.log(`tributary benchmarks: node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs`);
  const results: BenchResult[] = [];
  const failed: string[] = [];
  const started = Date.now();
  let kafka: BenchKafka | undefined;
  if (onKafka) {
    try {
      kafka = await openKafka(args.brokers);
      console.log(`event log: ${kafka.description}`);
    } catch (error) {
      console.log(`cannot run on Kafka: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
      return;
    }
  }
  try {
    await runSelected(selected, { gateway, profileDir: args.profileDir, aggregates: args.aggregates ?? 'chdb', kafka }, results, failed);
  } finally {
    await kafka?.close();
  }
  console.log(`\n=== summary (${formatNumber((Date.now() - started) / 1000, 1)} s) ===`);
  printSummary(results);
  if (args.profileDir) console.log(`\nCPU profiles in ${args.profileDir} (summarise: node dist/bench/profile-top.js <file>)`);
  if (failed.length > 0) {
    console.log(`\ncould not run: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

async function runSelected(selected: Benchmark[], context: RunContext, results: BenchResult[], failed: string[]): Promise<void> {
  for (const benchmark of selected) {
    console.log(`\n=== ${benchmark.name}: ${(context.kafka && benchmark.kafkaTitle) || benchmark.title} ===`);
    const benchStarted = Date.now();
    // The machine may be shared: say how busy it was, since every number here depends on it.
    const others = await otherCpuUse();
    console.log(`  before starting: ${others.description}`);
    try {
      const result = await benchmark.run(context);
      if (others.busyCores > 0.5) result.notes.push(`other processes kept ${formatNumber(others.busyCores, 1)} of ${cpus().length} CPUs busy just before it ran: its numbers are pessimistic`);
      results.push(result);
    } catch (error) {
      failed.push(benchmark.name);
      console.log(`  FAILED to run: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
    console.log(`  (${formatNumber((Date.now() - benchStarted) / 1000, 1)} s)`);
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
