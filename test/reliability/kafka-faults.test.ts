// A gateway on a real Kafka broker that the test kills and restarts, then freezes (SIGSTOP) for 20 s,
// while a producer keeps sending keyed batches and resends any batch that got an error, as a real
// producer does. Ingest must answer every request within bounded time with an acknowledgement or a
// retriable error (never a silent loss, never an ack for an unwritten event), /readyz must say the
// log is unreachable while it is and ready again after, processing must resume
// by itself, memory must stay bounded, and in the end every window equals each batch counted once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, StreamsDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { kafkaBroker, kafkaBrokerIsExternal, kafkaBrokerUnavailable, type KafkaBroker } from '../helpers/kafka-broker';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { expectRowsEqual, expectedRows, type SentEvent, type ViewSpec } from '../helpers/ground-truth';
import { uniqueName } from '../helpers/temp-dir';

const unavailable = kafkaBrokerUnavailable() ?? (kafkaBrokerIsExternal() ? 'needs a broker of its own to kill; unset KAFKA_BROKERS' : undefined);
if (unavailable) process.stdout.write(`SKIPPED: Kafka broker fault tests (${unavailable})\n`);

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);
const SPEC: ViewSpec = {
  windowMs: 10_000,
  groupBy: ['country'],
  measures: [
    { name: 'orders', fn: 'COUNT' },
    { name: 'revenue', fn: 'SUM', field: 'amount' },
    { name: 'buyers', fn: 'UNIQ', field: 'user' },
  ],
};
const COUNTRIES = ['de', 'fr', 'us', 'jp', 'br'];
const EVENTS_PER_BATCH = 200;
/** Longest an ingest request may take to answer, even while the broker is away (the gateway's bound is about 25 s). */
const ANSWER_BOUND_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function batch(b: number): SentEvent[] {
  return Array.from({ length: EVENTS_PER_BATCH }, (_, n) => {
    const i = b * EVENTS_PER_BATCH + n;
    const time = T0 + i * 25;
    return { time, payload: { ts: time, country: COUNTRIES[(i * 7) % COUNTRIES.length], user: `u${i % 131}`, amount: (i % 17) + 0.5 } };
  });
}

interface Outcome {
  acknowledged: number;
  /** Error codes of refused requests (each retried with the same key until acknowledged). */
  refusals: string[];
  slowestAnswerMs: number;
}

describe.skipIf(unavailable !== undefined)('gateway whose Kafka broker fails under it', () => {
  let broker: KafkaBroker;
  let gateway: GatewayProcess;
  const stream = uniqueName('orders');
  const view = uniqueName('orders_10s');
  const acknowledged: SentEvent[] = [];
  let nextBatch = 0;

  /**
   * Sends batches one after another until `until` resolves, each with its own idempotency key; a
   * refused batch is sent again (same key) until acknowledged. Non-retriable refusals fail the test.
   */
  async function produce(until: Promise<unknown>): Promise<Outcome> {
    const outcome: Outcome = { acknowledged: 0, refusals: [], slowestAnswerMs: 0 };
    let done = false;
    void until.then(() => (done = true));
    while (!done) {
      const b = nextBatch++;
      for (;;) {
        const started = Date.now();
        try {
          const { ingest } = await gateway.client.request(IngestDocument, { stream, events: batch(b).map((e) => e.payload), idempotencyKey: `batch-${b}` });
          expect(ingest.rejected).toBe(0);
          outcome.slowestAnswerMs = Math.max(outcome.slowestAnswerMs, Date.now() - started);
          break;
        } catch (error) {
          outcome.slowestAnswerMs = Math.max(outcome.slowestAnswerMs, Date.now() - started);
          if (!(error instanceof GraphQLRequestError)) throw error;
          expect(error.errors[0].extensions, `batch ${b} refused: ${error.message}`).toMatchObject({ retriable: true });
          outcome.refusals.push(error.code ?? 'UNKNOWN');
          await sleep(250);
        }
      }
      acknowledged.push(...batch(b));
      outcome.acknowledged += 1;
      await sleep(20);
    }
    return outcome;
  }

  const aggregatesMatchTruth = async (label: string) => {
    gateway.assertAlive();
    const rows = (await gateway.client.request(ViewAggregatesDocument, { view, limit: 10_000 })).viewAggregates;
    if (rows.reduce((n, r) => n + r.eventCount, 0) !== acknowledged.length) return false;
    expectRowsEqual(rows, expectedRows(acknowledged, SPEC), SPEC, label);
    return true;
  };
  const processedEverything = async () => {
    const logged = (await gateway.client.request(StreamsDocument, {})).streams.find((s) => s.name === stream)!.eventCount;
    const progress = (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress;
    return progress?.processedEvents === logged;
  };
  const residentBytes = async () => Number(/^tributary_process_process_resident_memory_bytes (\S+)$/m.exec(await gateway.metrics())?.[1]);

  beforeAll(async () => {
    broker = await kafkaBroker();
    gateway = await startGateway({
      env: {
        TRIBUTARY_EVENT_LOG: 'kafka',
        TRIBUTARY_KAFKA_BROKERS: broker.brokers,
        TRIBUTARY_KAFKA_TOPIC_PREFIX: `${uniqueName('faults')}.`,
        TRIBUTARY_KAFKA_SESSION_TIMEOUT_MS: '6000',
      },
      startTimeoutMs: 120_000,
    });
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '1h', partitions: 3, partitionKey: 'country' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '10s', groupBy: SPEC.groupBy, measures: SPEC.measures.map((m) => ({ name: m.name, fn: m.fn, field: m.field ?? null })) },
    });
    await produce(sleep(1_000));
    await waitFor(() => aggregatesMatchTruth('before any fault'), { timeoutMs: 60_000, intervalMs: 200, what: 'the first aggregates' });
  }, 240_000);

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers retriable errors while the broker is dead, and counts every acknowledged batch once after it restarts', async () => {
    const readiness = async () => {
      const response = await fetch(`${gateway.baseUrl}/readyz`);
      return { status: response.status, eventLog: ((await response.json()) as { checks: { eventLog: string } }).checks.eventLog };
    };
    let unready: { status: number; eventLog: string } | undefined;
    const outage = (async () => {
      await sleep(1_500);
      await broker.kill('SIGKILL');
      unready = await waitFor(async () => {
        const answer = await readiness();
        return answer.status === 503 ? answer : undefined;
      }, { timeoutMs: 8_000, intervalMs: 250, what: '/readyz to say the event log is unreachable' });
      await broker.restart();
      await sleep(3_000);
    })();
    const outcome = await produce(outage);
    await outage;
    console.info(`broker killed: ${outcome.acknowledged} batches acknowledged, ${outcome.refusals.length} refusals (${[...new Set(outcome.refusals)].join(', ')}), slowest answer ${outcome.slowestAnswerMs} ms`);
    expect(outcome.refusals.length, 'the producer noticed the broker was gone').toBeGreaterThan(0);
    expect(outcome.slowestAnswerMs).toBeLessThan(ANSWER_BOUND_MS);
    expect(unready?.eventLog).toMatch(/^unreachable: cannot reach Kafka at /);
    await waitFor(async () => (await readiness()).status === 200, { timeoutMs: 30_000, intervalMs: 250, what: '/readyz to say ready again' });
    await waitFor(() => aggregatesMatchTruth('after the broker restarted'), { timeoutMs: 120_000, intervalMs: 250, what: 'aggregates to equal every acknowledged batch once' });
    await waitFor(processedEverything, { timeoutMs: 30_000, what: 'the view to process every logged event' });
  }, 240_000);

  it('keeps memory bounded while the broker is frozen for 20 s, then catches up exactly', async () => {
    const residentBefore = await residentBytes();
    let residentDuring = residentBefore;
    const freeze = (async () => {
      await sleep(1_000);
      broker.pause();
      try {
        for (let i = 0; i < 20; i++) {
          await sleep(1_000);
          residentDuring = Math.max(residentDuring, await residentBytes());
        }
      } finally {
        broker.resume();
      }
      await sleep(3_000);
    })();
    const outcome = await produce(freeze);
    await freeze;
    console.info(
      `broker frozen 20 s: ${outcome.acknowledged} batches acknowledged, ${outcome.refusals.length} refusals (${[...new Set(outcome.refusals)].join(', ')}), ` +
        `slowest answer ${outcome.slowestAnswerMs} ms, resident memory ${Math.round(residentBefore / 1048576)} → ${Math.round(residentDuring / 1048576)} MiB`,
    );
    expect(outcome.refusals.length, 'the producer noticed the broker was frozen').toBeGreaterThan(0);
    expect(outcome.slowestAnswerMs).toBeLessThan(ANSWER_BOUND_MS);
    expect(residentDuring - residentBefore, 'resident memory growth while the broker was frozen').toBeLessThan(150 * 1024 * 1024);
    await waitFor(() => aggregatesMatchTruth('after the broker resumed'), { timeoutMs: 120_000, intervalMs: 250, what: 'aggregates to equal every acknowledged batch once' });
    await waitFor(processedEverything, { timeoutMs: 30_000, what: 'the view to process every logged event' });
    gateway.assertAlive();
  }, 240_000);
});
