// Ack→subscription latency: a producer sends order events at a steady rate (small batches on a fixed
// schedule, not waiting for earlier ones) while a graphql-ws client watches a view grouped by batch
// id. Every batch has its own group key, so the first viewUpdates row with that key and the batch's
// full event count is, without ambiguity, the update that reflects that ingest call.
// With the log on Kafka, the baseline in the same run is the floor of one hop through Kafka: a plain
// kafkajs producer sending the same batches on the same schedule, and a plain consumer receiving them.

import { performance } from 'node:perf_hooks';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ViewUpdatesDocument } from '../src/client/generated/graphql';
import { eventTopic } from '../src/domain/topics';
import { orderEvent, Seeded } from './events';
import { withGateway, type GatewayOptions } from './gateway';
import { benchClient, createStream, createView, ingestBody, postIngest } from './graphql';
import { createPlainTopic, deleteRunTopics, partitionsOf, plainLatencyRun, type LatencyRun } from './kafka-baselines';
import { probeRows } from './probes/probe-report';
import { formatNumber, measurement, percentile, printRows, sleep, type BenchResult } from './report';
import { kafkaEnv, uniqueTopicPrefix, type BenchKafka } from './servers';

const EVENTS_PER_BATCH = 100;
const INTERVAL_MS = 20;
const DURATION_MS = 10_000;
const DRAIN_MS = 5_000;
/** Three hops through Kafka (stream, repartition, live topics) on a busy 2-core machine take longer to settle. */
const KAFKA_DRAIN_MS = 20_000;
const STREAM = 'bench_latency';
const VIEW = 'bench_latency_by_batch';

export interface LatencyBenchOptions {
  gateway?: GatewayOptions;
  /** Runs the gateway on this Kafka cluster, next to plain kafkajs producer → consumer latency. */
  kafka?: BenchKafka;
}

interface Row {
  key: Record<string, unknown>;
  eventCount: number;
}

export async function runLatencyBench(options: LatencyBenchOptions = {}): Promise<BenchResult> {
  console.log(
    `  ${EVENTS_PER_BATCH} events every ${INTERVAL_MS} ms (${formatNumber((EVENTS_PER_BATCH * 1000) / INTERVAL_MS)} events/s) for ${DURATION_MS / 1000} s; view: 10 s windows grouped by batch id`,
  );
  const { kafka } = options;
  if (!kafka) return gatewayRun(options);
  console.log(`  event log: ${kafka.description}`);
  const prefix = uniqueTopicPrefix('latency');
  try {
    const result = await gatewayRun({ ...options, gateway: { ...options.gateway, env: { ...options.gateway?.env, ...kafkaEnv(kafka, prefix) } } }, KAFKA_DRAIN_MS);
    const topic = `${prefix}plain.${STREAM}`;
    await createPlainTopic(kafka, topic, await partitionsOf(kafka, `${prefix}${eventTopic(STREAM)}`));
    const random = new Seeded(11);
    const batches = Array.from({ length: Math.round(DURATION_MS / INTERVAL_MS) }, (_, b) =>
      Array.from({ length: EVENTS_PER_BATCH }, (_, i) => orderEvent(random, b * EVENTS_PER_BATCH + i, { ts: Date.now(), extra: { batch: `b${b}` } })),
    );
    const plain = await plainLatencyRun(kafka, topic, batches, INTERVAL_MS, KAFKA_DRAIN_MS);
    return withKafkaBaseline(result, plain);
  } finally {
    await deleteRunTopics(kafka, prefix);
  }
}

/** Adds the plain kafkajs run's rows and the ratios of the gateway's percentiles to its own. */
function withKafkaBaseline(result: BenchResult, plain: LatencyRun): BenchResult {
  const p = (list: number[], q: number) => `${formatNumber(percentile(list, q), 1)} ms`;
  const gatewayP99 = result.measurements.find((m) => m.label === 'ack→viewUpdates p99')!.value;
  const gatewayP50 = result.measurements.find((m) => m.label === 'ack→viewUpdates p50')!.value;
  printRows([
    ['baseline, plain kafkajs: rate achieved', `${formatNumber(plain.achievedRate)} events/s`],
    ['  producer ack → consumer has the batch', `p50 ${p(plain.ackToReceipt, 50)}, p95 ${p(plain.ackToReceipt, 95)}, p99 ${p(plain.ackToReceipt, 99)}, max ${p(plain.ackToReceipt, 100)}`],
    ['  send → consumer has the batch', `p50 ${p(plain.sendToReceipt, 50)}, p99 ${p(plain.sendToReceipt, 99)}`],
    ['  send → ack (acks=-1)', `p50 ${p(plain.sendToAck, 50)}, p99 ${p(plain.sendToAck, 99)}`],
    ['ratio gateway / plain kafkajs, ack → receipt', `p50 ${formatNumber(gatewayP50 / percentile(plain.ackToReceipt, 50), 1)}, p99 ${formatNumber(gatewayP99 / percentile(plain.ackToReceipt, 99), 1)}`],
  ]);
  if (plain.missing > 0) result.notes.push(`${plain.missing} batches of the plain kafkajs run never reached its consumer`);
  return {
    name: 'latency-kafka',
    measurements: [
      ...result.measurements,
      measurement('baseline kafkajs ack→consumer p50', percentile(plain.ackToReceipt, 50), 'ms'),
      measurement('baseline kafkajs ack→consumer p99', percentile(plain.ackToReceipt, 99), 'ms'),
      measurement('ratio gateway / kafkajs, p99', gatewayP99 / percentile(plain.ackToReceipt, 99), 'x'),
    ],
    notes: result.notes,
  };
}

async function gatewayRun(options: LatencyBenchOptions, drainMs = DRAIN_MS): Promise<BenchResult> {
  const batches = Math.round(DURATION_MS / INTERVAL_MS);
  return withGateway({ ...options.gateway, probe: true }, async (gateway) => {
    const client = benchClient(gateway.graphqlUrl);
    await createStream(client, STREAM);
    await createView(client, {
      name: VIEW,
      stream: STREAM,
      window: '10s',
      groupBy: ['batch'],
      measures: [
        { name: 'orders', fn: 'COUNT' },
        { name: 'revenue', fn: 'SUM', field: 'amount' },
      ],
    });

    // First arrival of each batch's complete row, by batch id.
    const seen = new Map<string, number>();
    let messages = 0;
    let subscriptionError: unknown;
    const ws = createClient({ url: gateway.websocketUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const unsubscribe = ws.subscribe<{ viewUpdates: Row }>(
      { query: print(ViewUpdatesDocument), variables: { view: VIEW } },
      {
        next: (result) => {
          const at = performance.now();
          messages++;
          const row = result.data?.viewUpdates;
          const batch = row?.key.batch;
          if (typeof batch === 'string' && row!.eventCount === EVENTS_PER_BATCH && !seen.has(batch)) seen.set(batch, at);
        },
        error: (error) => (subscriptionError = error),
        complete: () => undefined,
      },
    );

    const random = new Seeded(11);
    let sequence = 0;
    const body = (batch: string) =>
      ingestBody(
        STREAM,
        Array.from({ length: EVENTS_PER_BATCH }, () => orderEvent(random, sequence++, { ts: Date.now(), extra: { batch } })),
      );

    try {
      // Until one warm-up batch comes back, the subscription may not be registered yet.
      const warmupDeadline = Date.now() + 15_000;
      for (let w = 0; ![...seen.keys()].some((k) => k.startsWith('warm')); w++) {
        if (subscriptionError) throw new Error(`subscription failed: ${String(subscriptionError)}`);
        if (Date.now() > warmupDeadline) throw new Error(`no viewUpdates message within 15 s of the first warm-up batch:\n${gateway.stderrTail()}`);
        await postIngest(gateway.graphqlUrl, body(`warm${w}`));
        await sleep(200);
      }

      const sentAt: number[] = [];
      const ackAt: number[] = [];
      const acks: Promise<void>[] = [];
      await gateway.probeReport(); // leaves start-up and warm-up out of the probe's numbers
      const cpuBefore = gateway.cpuSeconds();
      const started = performance.now();
      for (let i = 0; i < batches; i++) {
        const due = started + i * INTERVAL_MS;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const payload = body(`b${i}`);
        sentAt[i] = performance.now();
        acks.push(postIngest(gateway.graphqlUrl, payload).then(() => void (ackAt[i] = performance.now())));
      }
      const sendMs = performance.now() - started;
      await Promise.all(acks);
      const cpuAfter = gateway.cpuSeconds();
      const gatewayCores = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / ((performance.now() - started) / 1000) : undefined;
      const drainDeadline = performance.now() + drainMs;
      while (performance.now() < drainDeadline && !Array.from({ length: batches }, (_, i) => `b${i}`).every((id) => seen.has(id))) {
        await sleep(20);
      }
      const probe = await gateway.probeReport();
      const wallMs = performance.now() - started;

      const latencies: number[] = [];
      const sendToUpdate: number[] = [];
      const ackRoundTrip: number[] = [];
      let missing = 0;
      let beforeAck = 0;
      for (let i = 0; i < batches; i++) {
        ackRoundTrip.push(ackAt[i] - sentAt[i]);
        const update = seen.get(`b${i}`);
        if (update === undefined) {
          missing++;
          continue;
        }
        const latency = update - ackAt[i];
        if (latency < 0) beforeAck++;
        latencies.push(Math.max(0, latency));
        sendToUpdate.push(update - sentAt[i]);
      }
      for (const list of [latencies, sendToUpdate, ackRoundTrip]) list.sort((a, b) => a - b);
      const achievedRate = (batches * EVENTS_PER_BATCH * 1000) / sendMs;
      const p = (list: number[], q: number) => `${formatNumber(percentile(list, q), 1)} ms`;
      printRows([
        ['rate achieved', `${formatNumber(achievedRate)} events/s (${batches} batches in ${formatNumber(sendMs)} ms)`],
        ['ack → viewUpdates', `p50 ${p(latencies, 50)}, p95 ${p(latencies, 95)}, p99 ${p(latencies, 99)}, max ${p(latencies, 100)}`],
        ['send → viewUpdates', `p50 ${p(sendToUpdate, 50)}, p95 ${p(sendToUpdate, 95)}, p99 ${p(sendToUpdate, 99)}, max ${p(sendToUpdate, 100)}`],
        ['send → ack (ingest round trip)', `p50 ${p(ackRoundTrip, 50)}, p95 ${p(ackRoundTrip, 95)}, p99 ${p(ackRoundTrip, 99)}, max ${p(ackRoundTrip, 100)}`],
        ['matched batches', `${latencies.length}/${batches} (${beforeAck} arrived before their ack, counted as 0 ms; ${missing} missing after ${drainMs / 1000} s)`],
        ['viewUpdates messages received', formatNumber(messages)],
        ['gateway CPU while sending', gatewayCores === undefined ? 'unknown' : `${formatNumber(gatewayCores, 2)} cores busy`],
        ...(probe ? probeRows(probe, wallMs) : []),
      ]);
      const notes: string[] = [];
      if (missing > 0) notes.push(`${missing} of ${batches} batches never showed up on viewUpdates within ${drainMs / 1000} s`);
      return {
        name: 'latency',
        measurements: [
          measurement('ack→viewUpdates p50', percentile(latencies, 50), 'ms'),
          measurement('ack→viewUpdates p95', percentile(latencies, 95), 'ms'),
          measurement('ack→viewUpdates p99', percentile(latencies, 99), 'ms', { kind: 'max', value: 100 }),
          measurement('ack→viewUpdates max', percentile(latencies, 100), 'ms'),
          measurement('producer rate achieved', achievedRate, 'events/s'),
        ],
        notes,
      };
    } finally {
      unsubscribe();
      await ws.dispose();
    }
  });
}
