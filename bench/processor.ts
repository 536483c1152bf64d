// Processor throughput: order events across 100 stores, already in the LMDB log, run through the
// product's StreamProcessor (10 s tumbling windows, six measures) wired in-process the way main.ts
// wires it, with chDB aggregates and LMDB checkpoints. Measured in the same run: a plain loop over
// the same events computing the same aggregates in memory (the baseline), and the product's
// ViewWindowState folding them in memory (the processor minus all I/O). The stored rows are checked
// against the baseline's. With the log on Kafka (`kafka`), the events go to a stream topic of the
// run's own prefix (TRIBUTARY_KAFKA_PARTITIONS partitions, 6 by default: the view then routes them
// through its repartition topic, as in production), and a plain kafkajs consumer reading that topic
// through is measured too.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAdapters } from '../src/adapters';
import { systemClock } from '../src/adapters/system-clock';
import { loadConfig } from '../src/config/config';
import type { LoggedEvent } from '../src/domain/envelope';
import { eventTopic } from '../src/domain/topics';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { ControlPlane } from '../src/services/control-plane';
import { EventSchemas } from '../src/services/event-schemas';
import { Quarantine } from '../src/services/quarantine';
import { SchemaRegistry } from '../src/services/schema-registry';
import { StreamsAndViews } from '../src/services/streams-and-views';
import { StreamProcessor } from '../src/stream/processor';
import { profiled } from './cpu-profile';
import { orderEvent, Seeded, type OrderEvent } from './events';
import { deleteRunTopics, plainConsumeRun, type ConsumeRun } from './kafka-baselines';
import { bestOf, compareRows, foldInMemory, plainLoop } from './processor-baselines';
import { elapsedMs, formatNumber, measurement, printRows, sleep, type BenchResult } from './report';
import { kafkaEnv, uniqueTopicPrefix, type BenchKafka } from './servers';

const ALL_EVENTS = 1_000_000;
/** Kafka on this machine moves events an order of magnitude slower than LMDB; fewer keep the run short. */
const KAFKA_EVENTS = 200_000;
/**
 * The processor batch on Kafka unless TRIBUTARY_PROCESSOR_BATCH_SIZE says otherwise. With the default
 * (50,000) a router's write to a repartition partition is one record batch of several MB, which a
 * broker with the default message.max.bytes (1 MiB) refuses, and the view never moves.
 */
const KAFKA_BATCH_SIZE = '5000';
const KEYS = 100;
const WINDOW_MS = 10_000;
/** Event time advances 1 ms per event (1,000 events per second of event time: 100 windows). */
const EVENT_TIME_STEP_MS = 1;
/** Out-of-order jitter, well inside the 5 s watermark delay, so no event is late. */
const JITTER_MS = 2_000;
const APPEND_BATCH = 10_000;
/** The processor run stops here even if unfinished, and the partial rate is reported. */
const PROCESS_CAP_MS = 90_000;
const STREAM = 'bench_orders';
const VIEW = 'bench_orders_by_store';
const BASE_TIME = Date.UTC(2026, 0, 5, 9, 0, 0);

interface Timing {
  ms: number;
  calls: number;
}

/** Wraps the named methods of a port so that the time from call to settlement is added up. */
function timed<T extends object>(target: T, methods: readonly (keyof T & string)[], totals: Record<string, Timing>): T {
  return new Proxy(target, {
    get(object, property) {
      const value = Reflect.get(object, property, object) as unknown;
      if (typeof value !== 'function') return value;
      const name = String(property);
      if (!methods.includes(name as keyof T & string)) return value.bind(object);
      return (...args: unknown[]) => {
        const started = process.hrtime.bigint();
        const settle = () => {
          const total = (totals[name] ??= { ms: 0, calls: 0 });
          total.ms += elapsedMs(started);
          total.calls++;
        };
        const result = (value as (...a: unknown[]) => unknown).apply(object, args);
        if (result instanceof Promise) return result.finally(settle);
        settle();
        return result;
      };
    },
  });
}

/** Generates the events of the run in order; the same seed always gives the same events. */
function* generate(count: number): Generator<OrderEvent> {
  const random = new Seeded(23);
  for (let i = 0; i < count; i++) {
    const jitter = random.below(2 * JITTER_MS + 1) - JITTER_MS;
    yield orderEvent(random, i, { ts: BASE_TIME + i * EVENT_TIME_STEP_MS + jitter, extra: { store: `store-${random.below(KEYS)}` } });
  }
}

export interface ProcessorBenchOptions {
  /** Writes a CPU profile of the processing phase (only) into this directory. */
  profileDir?: string;
  /** Puts the event log on this Kafka cluster. */
  kafka?: BenchKafka;
}

export async function runProcessorBench(options: ProcessorBenchOptions = {}): Promise<BenchResult> {
  const notes: string[] = [];
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-proc-'));
  const { kafka } = options;
  const prefix = uniqueTopicPrefix('processor');
  // TRIBUTARY_* settings in the environment apply (e.g. TRIBUTARY_PROCESSOR_BATCH_SIZE), as for a gateway.
  const env = kafka ? { TRIBUTARY_PROCESSOR_BATCH_SIZE: KAFKA_BATCH_SIZE, ...process.env, ...kafkaEnv(kafka, prefix) } : process.env;
  const config = loadConfig({ dataDir, logLevel: 'warn' }, env);
  const eventCount = kafka ? KAFKA_EVENTS : ALL_EVENTS;
  if (kafka && !process.env.TRIBUTARY_PROCESSOR_BATCH_SIZE) {
    notes.push(`processor batch ${KAFKA_BATCH_SIZE} on Kafka: at the default 50,000 the router's repartition writes exceed the broker's default message.max.bytes (1 MiB) and are retried forever`);
  }
  const logger = createLogger(config.logLevel);
  const adapters = await openAdapters(config, logger);
  let processor: StreamProcessor | undefined;
  try {
    await adapters.aggregates.migrate();
    const controlPlane = new ControlPlane(adapters.eventLog);
    await controlPlane.start();
    const catalog = new StreamsAndViews(controlPlane, adapters.eventLog, systemClock, config.defaultWatermarkDelayMs);
    await catalog.createStream({ name: STREAM, timestampField: 'ts', watermarkDelay: '5s' }, 'bench');
    const view = await catalog.createView(
      {
        name: VIEW,
        stream: STREAM,
        window: '10s',
        groupBy: ['store'],
        measures: [
          { name: 'orders', fn: 'COUNT' },
          { name: 'revenue', fn: 'SUM', field: 'amount' },
          { name: 'avg_order', fn: 'AVG', field: 'amount' },
          { name: 'max_order', fn: 'MAX', field: 'amount' },
          { name: 'buyers', fn: 'UNIQ', field: 'userId' },
          { name: 'p95_latency', fn: 'P95', field: 'latencyMs' },
        ],
      },
      'bench',
    );
    console.log(
      `  ${formatNumber(eventCount)} events, ${KEYS} stores, 10 s tumbling windows (${formatNumber((eventCount * EVENT_TIME_STEP_MS) / WINDOW_MS)} windows), measures COUNT SUM AVG MAX UNIQ P95, processor batch ${formatNumber(config.processorBatchSize)}`,
    );

    // Fill the log first; nothing is processing yet (the processor starts afterwards).
    const appendStarted = process.hrtime.bigint();
    const topic = eventTopic(STREAM);
    let batch: LoggedEvent[] = [];
    let eventId = 0;
    for (const payload of generate(eventCount)) {
      const envelope = { eventId: `bench-${(eventId++).toString(36).padStart(8, '0')}`, stream: STREAM, traceId: '0'.repeat(32), producer: 'bench', receivedAt: payload.ts, eventTime: payload.ts };
      batch.push({ envelope, payload });
      if (batch.length === APPEND_BATCH) {
        await adapters.eventLog.append(topic, batch);
        batch = [];
      }
    }
    if (batch.length > 0) await adapters.eventLog.append(topic, batch);
    const appendMs = elapsedMs(appendStarted);

    const stages: Record<string, Timing> = {};
    processor = new StreamProcessor({
      log: timed(adapters.eventLog, ['read', 'endOffset'], stages),
      checkpoints: timed(adapters.checkpoints, ['load', 'save'], stages),
      aggregates: timed(adapters.aggregates, ['upsert'], stages),
      live: adapters.live,
      controlPlane,
      clock: systemClock,
      logger: logger.child({ component: 'processor' }),
      metrics: createMetrics({ liveSubscribers: () => 0 }),
      batchSize: config.processorBatchSize,
      schemas: new EventSchemas(controlPlane, new SchemaRegistry(controlPlane, systemClock, async () => new Map())),
      quarantine: new Quarantine(adapters.eventLog),
      // As main.ts: on Kafka, a guard per stream checks records other writers may have sent.
      guardStreams: config.eventLog === 'kafka',
      dedupMaxKeys: 200_000,
    });
    const running = processor;
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    const { result: processed, file: profileFile } = await profiled(options.profileDir, 'processor', async () => {
      running.start();
      let done = 0;
      while (done < eventCount && elapsedMs(started) < PROCESS_CAP_MS) {
        await sleep(2);
        done = running.progress(VIEW)?.processedEvents ?? 0;
      }
      return done;
    });
    const processMs = elapsedMs(started);
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    await processor.stop();
    processor = undefined;
    if (processed < eventCount) notes.push(`processor stopped after ${PROCESS_CAP_MS / 1000} s with ${formatNumber(processed)} of ${formatNumber(eventCount)} events; rate is over those`);

    const rows = await adapters.aggregates.query({ view: VIEW, limit: 100_000 });
    const consumed = kafka ? await plainConsumeRun(kafka, `${prefix}${topic}`, eventCount, PROCESS_CAP_MS) : undefined;

    // Baselines: the same events, in memory (generated now so they are not live during the run above).
    const events = [...generate(eventCount)];
    const logged: LoggedEvent[] = events.map((payload) => ({
      envelope: { eventId: '', stream: STREAM, traceId: '', producer: 'bench', receivedAt: payload.ts, eventTime: payload.ts },
      payload,
    }));
    plainLoop(events, WINDOW_MS); // warm-up
    const baseline = bestOf(3, () => plainLoop(events, WINDOW_MS));
    foldInMemory(view, logged, APPEND_BATCH); // warm-up
    const fold = bestOf(3, () => foldInMemory(view, logged, APPEND_BATCH));
    const problems = processed === eventCount ? compareRows(rows, baseline.result) : [];
    if (problems.length > 0) notes.push(`stored aggregates differ from the baseline in ${problems.length} values, e.g. ${problems.slice(0, 3).join('; ')}`);

    const processorRate = (processed / processMs) * 1000;
    const baselineRate = (eventCount / baseline.ms) * 1000;
    const foldRate = (eventCount / fold.ms) * 1000;
    const perCore = processed / cpuSeconds;
    const stageRows: [string, string][] = Object.entries(stages)
      .sort(([, a], [, b]) => b.ms - a.ms)
      .map(([name, t]) => [`  in ${name}()`, `${formatNumber(t.ms)} ms over ${formatNumber(t.calls)} calls (${formatNumber((100 * t.ms) / processMs, 1)}% of the run)`]);
    const ioMs = ['read', 'upsert', 'save', 'endOffset', 'load'].reduce((sum, name) => sum + (stages[name]?.ms ?? 0), 0);
    printRows([
      ['log filled (batches of 10,000)', `${formatNumber(appendMs)} ms, ${formatNumber((eventCount / appendMs) * 1000)} events/s`],
      [kafka ? 'processor (StreamProcessor, Kafka + chDB)' : 'processor (StreamProcessor, chDB + LMDB)', `${formatNumber(processorRate)} events/s wall (${formatNumber(processed)} events in ${formatNumber(processMs)} ms)`],
      ['  CPU used', `${formatNumber(cpuSeconds, 1)} CPU-s = ${formatNumber(cpuSeconds / (processMs / 1000), 2)} cores busy; ${formatNumber(perCore)} events per CPU-second`],
      ...stageRows,
      // On Kafka the consumers fetch beside the loop and the lag sampler's endOffset calls overlap it: no remainder to speak of.
      kafka
        ? ['  (these overlap on Kafka)', 'records arrive by consumer fetches beside the loop; endOffset is the lag sampler']
        : ['  rest (fold, drain, snapshot, loop)', `${formatNumber(processMs - ioMs)} ms (${formatNumber((100 * (processMs - ioMs)) / processMs, 1)}%)`],
      ['ViewWindowState fold+drain in memory', `${formatNumber(foldRate)} events/s (${formatNumber(fold.ms)} ms, best of 3)`],
      ['baseline, plain loop in memory', `${formatNumber(baselineRate)} events/s (${formatNumber(baseline.ms)} ms, best of 3)`],
      ['ratio processor / baseline', formatNumber(processorRate / baselineRate, 3)],
      ['ratio in-memory fold / baseline', formatNumber(foldRate / baselineRate, 3)],
      ...(consumed ? consumerRows(consumed, processorRate) : []),
      ...(profileFile ? [['CPU profile of the processing phase', profileFile] as [string, string]] : []),
      ['stored rows', `${formatNumber(rows.length)} (baseline groups: ${formatNumber(baseline.result.size)}); ${problems.length === 0 ? 'every value matches the baseline' : `${problems.length} mismatches`}`],
    ]);
    return {
      name: kafka ? 'processor-kafka' : 'processor',
      measurements: [
        measurement('StreamProcessor, events/s (wall)', processorRate, 'events/s'),
        // Per core: CPU time includes LMDB's and the GC's helper threads, not only the main thread.
        // On Kafka the broker's CPU is not in it, so the embedded target does not apply.
        measurement('StreamProcessor, events per CPU-second', perCore, 'events/s', kafka ? undefined : { kind: 'min', value: 100_000 }),
        measurement('ViewWindowState in memory, events/s', foldRate, 'events/s'),
        measurement('baseline plain loop, events/s', baselineRate, 'events/s'),
        measurement('ratio processor / baseline', processorRate / baselineRate, 'x'),
        ...(consumed
          ? [
              measurement('baseline kafkajs consumer, events/s', rate(consumed), 'events/s'),
              measurement('ratio processor / kafkajs consumer', processorRate / rate(consumed), 'x'),
            ]
          : []),
      ],
      notes,
    };
  } finally {
    await processor?.stop();
    await adapters.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (kafka) await deleteRunTopics(kafka, prefix);
  }
}

const rate = (run: ConsumeRun) => (run.records / run.ms) * 1000;

function consumerRows(consumed: ConsumeRun, processorRate: number): [string, string][] {
  return [
    ['baseline, plain kafkajs consumer of the stream topic', `${formatNumber(rate(consumed))} events/s (${formatNumber(consumed.records)} events in ${formatNumber(consumed.ms)} ms, JSON values parsed)`],
    ['ratio processor / kafkajs consumer', formatNumber(processorRate / rate(consumed), 3)],
  ];
}
