// The randomized crash test: a producer sends batches (each with an idempotency key) while the
// gateway is SIGKILLed at random moments (during ingest, during processing, between a store write
// and its checkpoint, wherever the dice land), restarted on the same data, and the producer resends
// the batch that was in flight, as a real producer retries. In the end every window of every view
// must equal the ground truth of each batch counted exactly once.
//
// Run on every deployment this machine has: the embedded stores always; the LMDB log with its
// aggregates on Debian's clickhouse-server when it is installed (as in CI); Kafka (a stream of three
// partitions, so views route by group key and combine the partitions' watermarks) with ClickHouse,
// on a broker of its own (or the cluster KAFKA_BROKERS names). Seeded (TRIBUTARY_CRASH_SEED to replay
// a run); bounded in iterations and time.

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, StreamsDocument, ViewAggregatesDocument, ViewsDocument, type MeasureFn } from '../../src/client/generated/graphql';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { freshDataDir, startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { kafkaBroker, kafkaBrokerUnavailable } from '../helpers/kafka-broker';
import { uniqueName } from '../helpers/temp-dir';
import { seeded } from '../helpers/seeded';

const SEED = Number(process.env.TRIBUTARY_CRASH_SEED ?? 20261123);
const T0 = Date.UTC(2026, 10, 23, 6, 0, 0);
const BATCHES = 48;
const EVENTS_PER_BATCH = 250;
const KILLS = 8;
const COUNTRIES = ['de', 'fr', 'us', 'jp', 'br'];

const VIEWS: Record<string, ViewSpec> = {
  tumbling: {
    windowMs: 10_000,
    groupBy: ['country'],
    measures: [
      { name: 'orders', fn: 'COUNT' },
      { name: 'revenue', fn: 'SUM', field: 'amount' },
      { name: 'buyers', fn: 'UNIQ', field: 'user' },
      { name: 'p90', fn: 'P90', field: 'amount' },
    ],
  },
  hopping: {
    windowMs: 30_000,
    hopMs: 10_000,
    groupBy: ['country'],
    measures: [
      { name: 'orders', fn: 'COUNT' },
      { name: 'largest', fn: 'MAX', field: 'amount' },
    ],
  },
};

/** Batches in event-time order, events within a batch up to 3 s out of order (inside the 5 s watermark delay). */
function generate(random: () => number): SentEvent[][] {
  return Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: EVENTS_PER_BATCH }, (_, i) => {
      const time = T0 + (b * EVENTS_PER_BATCH + i) * 20 - Math.floor(random() * 3_000);
      return {
        time,
        payload: { ts: time, country: COUNTRIES[Math.floor(random() * COUNTRIES.length)], user: `u${Math.floor(random() * 400)}`, amount: Math.round(random() * 50_000) / 100 },
      };
    }),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Deployment {
  name: string;
  /** Why it cannot run here, if it cannot. */
  missing?: string;
  /** Gateway settings; the same for every restart. */
  settings(): Promise<Record<string, string>>;
  /** Partitions of the stream (the embedded log always has one). */
  partitions?: number;
}

const clickhouse = clickHouseServerInstalled();
const kafkaMissing = kafkaBrokerUnavailable();
const onClickHouse = async () => ({
  TRIBUTARY_AGGREGATES: 'clickhouse',
  TRIBUTARY_CLICKHOUSE_URL: (await clickHouseServer()).url,
  TRIBUTARY_CLICKHOUSE_DATABASE: uniqueName('tributary_crashes'),
});
const DEPLOYMENTS: Deployment[] = [
  { name: 'the embedded stores', settings: async () => ({}) },
  {
    name: 'the LMDB log with aggregates on a ClickHouse server',
    missing: clickhouse ? undefined : 'install Debian clickhouse-server',
    settings: onClickHouse,
  },
  {
    name: 'Kafka with aggregates on a ClickHouse server',
    missing: kafkaMissing ?? (!clickhouse ? 'install Debian clickhouse-server' : undefined),
    settings: async () => ({
      ...(await onClickHouse()),
      TRIBUTARY_EVENT_LOG: 'kafka',
      TRIBUTARY_KAFKA_BROKERS: (await kafkaBroker()).brokers,
      TRIBUTARY_KAFKA_TOPIC_PREFIX: `tributary-crashes-${randomBytes(4).toString('hex')}.`,
      // Every restart after a SIGKILL waits this long for the group to drop the dead member.
      TRIBUTARY_KAFKA_SESSION_TIMEOUT_MS: '6000',
    }),
    partitions: 3,
  },
];

for (const deployment of DEPLOYMENTS) {
  if (deployment.missing) process.stdout.write(`SKIPPED: randomized crashes on ${deployment.name} (${deployment.missing})\n`);
  describe.skipIf(deployment.missing !== undefined)(`randomized crashes on ${deployment.name}`, () => {
    it(`counts every batch exactly once after ${KILLS} SIGKILLs at random moments (seed ${SEED})`, () => crashAtRandom(deployment), 300_000);
  });
}

async function crashAtRandom(deployment: Deployment): Promise<void> {
  const random = seeded(SEED);
  const batches = generate(random);
  const dataDir = freshDataDir();
  const stream = uniqueName('till');
  const views = Object.fromEntries(Object.keys(VIEWS).map((kind) => [kind, uniqueName(`till_${kind}`)]));
  const env = await deployment.settings();
  const start = () => startGateway({ dataDir, env, startTimeoutMs: 120_000 });
  let gateway = await start();
  await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '5s', partitions: deployment.partitions ?? null } });
  for (const [kind, spec] of Object.entries(VIEWS)) {
    const measures = spec.measures.map((m) => ({ name: m.name, fn: m.fn as MeasureFn, field: m.field ?? null }));
    await gateway.client.request(CreateViewDocument, { input: { name: views[kind], stream, window: `${spec.windowMs / 1_000}s`, hop: spec.hopMs ? `${spec.hopMs / 1_000}s` : null, groupBy: spec.groupBy, measures } });
  }

  const send = (target: GatewayProcess, b: number) => target.client.request(IngestDocument, { stream, events: batches[b].map((e) => e.payload), idempotencyKey: `batch-${b}` });
  const log: string[] = [];
  let next = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    // The producer sends batch after batch, pausing a little between them, until the gateway dies.
    const killAfterMs = Math.floor(random() * 900);
    const pauses = Array.from({ length: BATCHES }, () => Math.floor(random() * 40));
    const target = gateway;
    let inFlight: number | undefined;
    const producing = (async () => {
      while (next < BATCHES) {
        inFlight = next;
        try {
          await send(target, next);
        } catch {
          return; // killed mid-request: the batch may or may not be in the log
        }
        inFlight = undefined;
        next += 1;
        await sleep(pauses[next - 1]);
        if (target.exit) return;
      }
    })();
    await sleep(killAfterMs);
    await target.kill('SIGKILL');
    await producing;
    log.push(`kill ${kill} after ${killAfterMs} ms: ${next} batches acknowledged${inFlight === undefined ? '' : `, batch ${inFlight} in flight`}`);
    gateway = await start();
    // The producer never heard back about the batch in flight, so it sends it again, same key.
    if (inFlight !== undefined) {
      await send(gateway, inFlight);
      next = inFlight + 1;
    }
  }
  for (; next < BATCHES; next++) await send(gateway, next);
  const closing: SentEvent = { time: T0 + BATCHES * EVENTS_PER_BATCH * 20 + 60_000, payload: { ts: 0, country: 'de', user: 'closer', amount: 1 } };
  closing.payload.ts = closing.time;
  await gateway.client.request(IngestDocument, { stream, events: [closing.payload], idempotencyKey: 'closing' });
  console.info(`random crashes (seed ${SEED}):\n  ${log.join('\n  ')}`);

  const sent = [...batches.flat(), closing];
  const logged = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream)!.eventCount;
  expect(logged).toBeGreaterThanOrEqual(sent.length); // resent batches may be in the log twice
  await waitFor(
    async () => {
      gateway.assertAlive();
      const progress = (await gateway.client.request(ViewsDocument, { stream })).views.map((v) => v.progress);
      if (progress.length !== 2 || progress.some((p) => p?.processedEvents !== logged)) throw new Error(`progress so far: ${JSON.stringify(progress)}`);
      return true;
    },
    { timeoutMs: 120_000, what: `both views to process all ${logged} logged events` },
  ).catch(async (error: Error) => {
    const counted = await Promise.all(
      Object.values(views).map(async (view) => (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates.reduce((n, r) => n + r.eventCount, 0)),
    );
    throw new Error(`${error.message}\nevents counted in the views' rows: ${counted.join(', ')} of ${sent.length} sent\nthe gateway's last output:\n${gateway.log().slice(-20_000)}`);
  });
  for (const [kind, spec] of Object.entries(VIEWS)) {
    const rows = (await gateway.client.request(ViewAggregatesDocument, { view: views[kind], limit: 10_000 })).viewAggregates;
    expectRowsEqual(rows, expectedRows(sent, spec), spec, `${kind} after ${KILLS} random kills (seed ${SEED})`);
  }
  const duplicates = (await gateway.client.request(ViewsDocument, { stream })).views.map((v) => v.progress?.duplicateEvents ?? 0);
  expect(duplicates[0], 'events in the log twice were each skipped once').toBe(logged - sent.length);
  await gateway.stop();
}
