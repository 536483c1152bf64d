// Ingest throughput: batches of 1,000 order events through the GraphQL `ingest` mutation of a gateway
// child process with several requests in flight, next to a baseline measured in the same run: the
// same kind of envelopes appended straight to an in-process LmdbEventLog in batches of 1,000 or, with
// the log on Kafka, the same events sent by a plain kafkajs producer to a topic of its own.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monotonicFactory } from 'ulid';
import { LmdbEventLog } from '../src/adapters/embedded/lmdb-event-log';
import { openLmdbRoot } from '../src/adapters/embedded/lmdb-root';
import type { LoggedEvent } from '../src/domain/envelope';
import { eventTopic } from '../src/domain/topics';
import { ViewsDocument } from '../src/client/generated/graphql';
import { orderEvent, Seeded, type OrderEvent } from './events';
import { withGateway, type GatewayOptions } from './gateway';
import { benchClient, createStream, createView, ingestBody, postIngest, PRODUCER } from './graphql';
import { createPlainTopic, deleteRunTopics, partitionsOf, plainProducer, plainSender } from './kafka-baselines';
import { probeRows, type ProbeReport } from './probes/probe-report';
import { elapsedMs, formatNumber, measurement, percentile, printRows, type BenchResult } from './report';
import { kafkaEnv, uniqueTopicPrefix, type BenchKafka } from './servers';

const BATCH = 1_000;
const CONCURRENCY = 4;
/** Distinct pre-serialised batches, sent round-robin. */
const POOL = 40;
const WARMUP_BATCHES = 20;
const MEASURE_MS = 10_000;
const MAX_BATCHES = 1_000;
const VIEWED_MEASURE_MS = 5_000;
/** Batches pre-built for the run with a view: each its own, with event time moving forward. */
const VIEWED_MAX_BATCHES = 400;

export interface IngestBenchOptions {
  gateway?: GatewayOptions;
  /** Runs the gateway on this Kafka cluster, against a plain kafkajs producer. */
  kafka?: BenchKafka;
}

export interface Run {
  events: number;
  ms: number;
  requestMs: number[];
  cpuSeconds?: number;
  probe?: ProbeReport;
  /** For the run with a view: events the view had processed when the run ended. */
  processed?: number;
}

/** Runs `send(i)` with `CONCURRENCY` in flight until `maxMs` has passed or `maxBatches` were sent. */
export async function closedLoop(send: (i: number) => Promise<number>, maxMs: number, maxBatches: number): Promise<Run> {
  const started = process.hrtime.bigint();
  const requestMs: number[] = [];
  let next = 0;
  let events = 0;
  const worker = async () => {
    while (next < maxBatches && elapsedMs(started) < maxMs) {
      const i = next++;
      const sent = process.hrtime.bigint();
      const accepted = await send(i); // not `events += await`: that reads `events` before awaiting
      events += accepted;
      requestMs.push(elapsedMs(sent));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { events, ms: elapsedMs(started), requestMs: requestMs.sort((a, b) => a - b) };
}

/**
 * Batches for the run with a view, with event time advancing 50 events per ms (real time at 50,000
 * events/s), so that the view folds every event; replaying the pool would make most events late.
 */
function makeViewedBodies(stream: string): string[] {
  const random = new Seeded(13);
  const base = Date.now();
  return Array.from({ length: VIEWED_MAX_BATCHES }, (_, b) =>
    ingestBody(
      stream,
      Array.from({ length: BATCH }, (_, i) => orderEvent(random, b * BATCH + i, { ts: base + Math.floor((b * BATCH + i) / 50) })),
    ),
  );
}

export function makePool(): OrderEvent[][] {
  const random = new Seeded(7);
  const base = Date.now();
  let sequence = 0;
  return Array.from({ length: POOL }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => orderEvent(random, sequence++, { ts: base + b * BATCH + i })),
  );
}

/** The envelopes the gateway would build for a batch (ULID ids, one trace id per request). */
function envelopes(stream: string, batch: readonly OrderEvent[], nextUlid: (t: number) => string): LoggedEvent[] {
  const receivedAt = Date.now();
  const traceId = randomBytes(16).toString('hex');
  return batch.map((payload) => ({
    envelope: { eventId: nextUlid(receivedAt), stream, traceId, producer: PRODUCER, receivedAt, eventTime: payload.ts },
    payload,
  }));
}

async function gatewayRuns(pool: OrderEvent[][], options: IngestBenchOptions): Promise<{ plain: Run; viewed: Run; stderr: string }> {
  return withGateway({ ...options.gateway, probe: true }, async (gateway) => {
    const client = benchClient(gateway.graphqlUrl);
    await createStream(client, 'bench_ingest');
    await createStream(client, 'bench_ingest_viewed');
    await createView(client, {
      name: 'bench_ingest_by_country',
      stream: 'bench_ingest_viewed',
      window: '10s',
      groupBy: ['country'],
      measures: [
        { name: 'orders', fn: 'COUNT' },
        { name: 'revenue', fn: 'SUM', field: 'amount' },
        { name: 'buyers', fn: 'UNIQ', field: 'userId' },
        { name: 'p95_latency', fn: 'P95', field: 'latencyMs' },
      ],
    });
    const bodies = pool.map((batch) => ingestBody('bench_ingest', batch));
    const viewedBodies = makeViewedBodies('bench_ingest_viewed');
    const send = (list: string[]) => (i: number) => postIngest(gateway.graphqlUrl, list[i % list.length]);

    await closedLoop(send(bodies), Infinity, WARMUP_BATCHES);
    await gateway.probeReport(); // leaves warm-up out of the probe's numbers
    const cpuBefore = gateway.cpuSeconds();
    const plain = await closedLoop(send(bodies), MEASURE_MS, MAX_BATCHES);
    const cpuAfter = gateway.cpuSeconds();
    plain.cpuSeconds = cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined;
    plain.probe = await gateway.probeReport();

    const viewedCpuBefore = gateway.cpuSeconds();
    const viewed = await closedLoop(send(viewedBodies), VIEWED_MEASURE_MS, VIEWED_MAX_BATCHES);
    const viewedCpuAfter = gateway.cpuSeconds();
    viewed.cpuSeconds = viewedCpuBefore !== undefined && viewedCpuAfter !== undefined ? viewedCpuAfter - viewedCpuBefore : undefined;
    viewed.probe = await gateway.probeReport();
    const views = await client.request(ViewsDocument, { stream: 'bench_ingest_viewed' });
    viewed.processed = views.views[0]?.progress?.processedEvents ?? undefined;
    return { plain, viewed, stderr: gateway.stderrTail() };
  });
}

/** A baseline in this process: warm-up, then a measured closed loop with the CPU time it took. */
async function inProcessRun(send: (i: number) => Promise<number>, batches: number): Promise<Run> {
  await closedLoop(send, Infinity, WARMUP_BATCHES);
  const cpu = process.cpuUsage();
  const run = await closedLoop(send, MEASURE_MS, batches);
  const used = process.cpuUsage(cpu);
  run.cpuSeconds = (used.user + used.system) / 1e6;
  return run;
}

/** The same batches from a plain kafkajs producer, to a topic with the partitions of the gateway's. */
async function kafkaBaselineRun(kafka: BenchKafka, prefix: string, pool: OrderEvent[][], batches: number): Promise<Run> {
  const topic = `${prefix}plain.bench_ingest`;
  await createPlainTopic(kafka, topic, await partitionsOf(kafka, `${prefix}${eventTopic('bench_ingest')}`));
  const producer = await plainProducer(kafka);
  try {
    return await inProcessRun(plainSender(producer, topic, pool), batches);
  } finally {
    await producer.disconnect();
  }
}

async function baselineRun(pool: OrderEvent[][], batches: number): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-log-'));
  const root = openLmdbRoot(dir);
  const log = new LmdbEventLog(root);
  try {
    const topic = eventTopic('bench_ingest');
    const nextUlid = monotonicFactory();
    const prepared = pool.map((batch) => envelopes('bench_ingest', batch, nextUlid));
    return await inProcessRun(async (i) => (await log.append(topic, prepared[i % prepared.length])).count, batches);
  } finally {
    await log.close();
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rate = (run: Run) => (run.events / run.ms) * 1000;

function describe(run: Run, call = 'request'): string {
  const cpu = run.cpuSeconds === undefined ? '' : `, ${formatNumber(run.cpuSeconds, 1)} CPU-s (${formatNumber(run.events / run.cpuSeconds)} events/CPU-s)`;
  return `${formatNumber(rate(run))} events/s  (${formatNumber(run.events)} events in ${formatNumber(run.ms)} ms${cpu}; ${call} p50 ${formatNumber(percentile(run.requestMs, 50), 1)} ms, p99 ${formatNumber(percentile(run.requestMs, 99), 1)} ms)`;
}

export async function runIngestBench(options: IngestBenchOptions = {}): Promise<BenchResult> {
  const pool = makePool();
  const bytes = Buffer.byteLength(ingestBody('bench_ingest', pool[0]));
  const { kafka } = options;
  console.log(`  ${formatNumber(BATCH)} events per request (${formatNumber(bytes / 1024)} KiB of JSON, ${Object.keys(pool[0][0]).length} fields per event), ${CONCURRENCY} requests in flight, up to ${MEASURE_MS / 1000} s per run`);
  if (kafka) console.log(`  event log: ${kafka.description}`);
  const prefix = uniqueTopicPrefix('ingest');
  try {
    const gateway: GatewayOptions = kafka ? { ...options.gateway, env: { ...options.gateway?.env, ...kafkaEnv(kafka, prefix) } } : { ...options.gateway };
    const { plain, viewed } = await gatewayRuns(pool, { ...options, gateway });
    // The baseline sends the same number of events as the gateway run (or runs for as long).
    const batches = Math.ceil(plain.events / BATCH);
    const baseline = kafka ? await kafkaBaselineRun(kafka, prefix, pool, batches) : await baselineRun(pool, batches);
    const baselineName = kafka ? 'baseline, plain kafkajs producer (acks=-1)' : 'baseline, LmdbEventLog.append in-process';
    const ratio = rate(plain) / rate(baseline);
    printRows([
      [`gateway, GraphQL ingest (no views)${kafka ? ' on Kafka' : ''}`, describe(plain)],
      ...(plain.probe ? probeRows(plain.probe, plain.ms) : []),
      ['gateway, GraphQL ingest (1 view processing)', describe(viewed)],
      ...(viewed.probe ? probeRows(viewed.probe, viewed.ms) : []),
      ['  view progress at the end of the run', `${formatNumber(viewed.processed ?? Number.NaN)} of ${formatNumber(viewed.events)} events processed`],
      [baselineName, describe(baseline, kafka ? 'send' : 'append')],
      ['ratio gateway / baseline', `${formatNumber(ratio, 2)}`],
    ]);
    const measurements = kafka
      ? [
          measurement('GraphQL ingest on Kafka, events/s', rate(plain), 'events/s'),
          measurement('GraphQL ingest on Kafka with 1 view, events/s', rate(viewed), 'events/s'),
          measurement('baseline kafkajs producer, events/s', rate(baseline), 'events/s'),
          measurement('ratio gateway / kafkajs producer', ratio, 'x', { kind: 'min', value: 0.5 }),
          measurement('ingest request p99 (1,000 events)', percentile(plain.requestMs, 99), 'ms'),
        ]
      : [
          measurement('GraphQL ingest, events/s', rate(plain), 'events/s', { kind: 'min', value: 50_000 }),
          measurement('GraphQL ingest with 1 view, events/s', rate(viewed), 'events/s'),
          measurement('baseline LMDB append, events/s', rate(baseline), 'events/s'),
          measurement('ratio gateway / baseline', ratio, 'x', { kind: 'min', value: 0.3 }),
          measurement('ingest request p99 (1,000 events)', percentile(plain.requestMs, 99), 'ms'),
        ];
    return { name: kafka ? 'ingest-kafka' : 'ingest', measurements, notes: [] };
  } finally {
    if (kafka) await deleteRunTopics(kafka, prefix);
  }
}
