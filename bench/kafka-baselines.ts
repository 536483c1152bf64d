// Baselines for the benchmarks on Kafka, measured on the same broker in the same run with nothing of
// Tributary in between: a plain kafkajs producer (acks=-1) sending the same events, a plain kafkajs
// consumer reading a topic through, and the latency from a producer's ack to a consumer's receipt.
// Each plain topic is one of its own under the run's prefix, with the partitions of the product's.

import { performance } from 'node:perf_hooks';
import { Kafka, logLevel, type Consumer, type Message, type Producer } from 'kafkajs';
import { monotonicFactory } from 'ulid';
import type { OrderEvent } from './events';
import type { BenchKafka } from './servers';
import { elapsedMs, sleep } from './report';

export function benchKafkaClient(kafka: BenchKafka, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: kafka.brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
}

/** Partitions of `topic` (its full Kafka name); waits for it to exist (a gateway creates topics as it needs them). */
export async function partitionsOf(kafka: BenchKafka, topic: string): Promise<number> {
  const admin = benchKafkaClient(kafka, 'tributary-bench-admin').admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    return metadata.topics[0].partitions.length;
  } finally {
    await admin.disconnect();
  }
}

/** Creates `topic` (its full Kafka name) with `partitions`, as the gateway would, if it does not exist. */
export async function createPlainTopic(kafka: BenchKafka, topic: string, partitions: number): Promise<void> {
  const admin = benchKafkaClient(kafka, 'tributary-bench-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes the topics a run left on a cluster it did not start (a private broker is removed whole). */
export async function deleteRunTopics(kafka: BenchKafka, prefix: string): Promise<void> {
  if (!kafka.external) return;
  const admin = benchKafkaClient(kafka, 'tributary-bench-admin').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((name) => name.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/**
 * A connected plain producer: kafkajs defaults (not idempotent, requests pipelined), every send
 * acks=-1 and uncompressed, as the gateway's.
 */
export async function plainProducer(kafka: BenchKafka): Promise<Producer> {
  const producer = benchKafkaClient(kafka, 'tributary-bench-plain-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return producer;
}

/**
 * `send(i)` for a closed loop: batch `i` of `pool` as one send of JSON values keyed by a fresh ULID
 * (the key the gateway gives events of a stream without a partition key).
 */
export function plainSender(producer: Producer, topic: string, pool: readonly OrderEvent[][]): (i: number) => Promise<number> {
  const nextUlid = monotonicFactory();
  return async (i) => {
    const batch = pool[i % pool.length];
    const now = Date.now();
    const messages: Message[] = batch.map((event) => ({ key: nextUlid(now), value: JSON.stringify(event) }));
    await producer.send({ topic, messages, acks: -1 });
    return batch.length;
  };
}

export interface ConsumeRun {
  records: number;
  ms: number;
}

/**
 * Reads `topic` from the beginning with a plain consumer in a group of its own, parsing every value
 * as JSON, until `expected` records have arrived (or `capMs`); the time counts from the group join
 * on, as the processor's does.
 */
export async function plainConsumeRun(kafka: BenchKafka, topic: string, expected: number, capMs: number): Promise<ConsumeRun> {
  const consumer = benchKafkaClient(kafka, 'tributary-bench-plain-consumer').consumer({
    groupId: `tributary-bench-plain-${process.pid}-${Date.now()}`,
    // The same fetch size as the product's consumer groups.
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxWaitTimeInMs: 500,
  });
  let records = 0;
  let fields = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const started = process.hrtime.bigint();
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value) fields += Object.keys(JSON.parse(message.value.toString('utf8')) as object).length;
          records++;
        }
      },
    });
    while (records < expected && elapsedMs(started) < capMs) await sleep(2);
    if (fields === 0) throw new Error(`the plain consumer read no values from ${topic}`);
    return { records, ms: elapsedMs(started) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

export interface LatencyRun {
  /** ack → the consumer had every record of the batch, per batch (ms, sorted); negative counted as 0. */
  ackToReceipt: number[];
  sendToReceipt: number[];
  sendToAck: number[];
  missing: number;
  achievedRate: number;
}

/**
 * A plain producer sends `perBatch` events every `intervalMs` for `durationMs` (acks=-1, not waiting
 * for earlier sends) while a plain consumer, joined beforehand, reads the same topic: the floor of any
 * pipeline that hands events on through Kafka once.
 */
export async function plainLatencyRun(
  kafka: BenchKafka,
  topic: string,
  batches: readonly OrderEvent[][],
  intervalMs: number,
  drainMs: number,
): Promise<LatencyRun> {
  const producer = await plainProducer(kafka);
  const consumer: Consumer = benchKafkaClient(kafka, 'tributary-bench-latency-consumer').consumer({
    groupId: `tributary-bench-latency-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 500,
  });
  const received = new Map<number, number>();
  const receivedAt = new Map<number, number>();
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const at = performance.now();
        for (const message of batch.messages) {
          const id = Number(message.headers?.batch?.toString());
          const count = (received.get(id) ?? 0) + 1;
          received.set(id, count);
          if (count === batches[id]?.length) receivedAt.set(id, at);
        }
      },
    });
    for (const deadline = Date.now() + 30_000; !joined; await sleep(20)) {
      if (Date.now() > deadline) throw new Error('the plain latency consumer did not join its group within 30 s');
    }
    // The consumer's first fetch after the join decides where it starts: let it happen first.
    await sleep(1_000);

    const nextUlid = monotonicFactory();
    const sentAt: number[] = [];
    const ackAt: number[] = [];
    const acks: Promise<unknown>[] = [];
    const started = performance.now();
    for (let i = 0; i < batches.length; i++) {
      const wait = started + i * intervalMs - performance.now();
      if (wait > 1) await sleep(wait);
      const now = Date.now();
      const messages: Message[] = batches[i].map((event) => ({ key: nextUlid(now), value: JSON.stringify(event), headers: { batch: String(i) } }));
      sentAt[i] = performance.now();
      acks.push(producer.send({ topic, messages, acks: -1 }).then(() => (ackAt[i] = performance.now())));
    }
    const sendMs = performance.now() - started;
    await Promise.all(acks);
    for (const deadline = performance.now() + drainMs; receivedAt.size < batches.length && performance.now() < deadline; ) await sleep(20);

    const run: LatencyRun = { ackToReceipt: [], sendToReceipt: [], sendToAck: [], missing: 0, achievedRate: (batches.length * batches[0].length * 1000) / sendMs };
    for (let i = 0; i < batches.length; i++) {
      run.sendToAck.push(ackAt[i] - sentAt[i]);
      const at = receivedAt.get(i);
      if (at === undefined) {
        run.missing++;
        continue;
      }
      run.ackToReceipt.push(Math.max(0, at - ackAt[i]));
      run.sendToReceipt.push(at - sentAt[i]);
    }
    for (const list of [run.ackToReceipt, run.sendToReceipt, run.sendToAck]) list.sort((a, b) => a - b);
    return run;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}
