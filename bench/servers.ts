// The servers the Kafka and lineage benchmarks run against: the Kafka cluster named by --brokers or
// KAFKA_BROKERS and the Neo4j server named by NEO4J_URL (NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE),
// else private ones started from the jars the tests use (test/servers/) and removed when done.

import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { javaServerUnavailable } from '../test/servers/java-server';
import { startKafkaServer } from '../test/servers/kafka-server';
import { NEO4J_SERVER_NAME, startNeo4jServer } from '../test/servers/neo4j-server';

const KAFKA_VERSION = process.env.TRIBUTARY_TEST_KAFKA_VERSION || '3.9.2';
/**
 * Unlike the tests' servers (C1 only, for a quick start), the benchmarks' run with the JVM's full JIT:
 * a server is measured here, and its start-up is not.
 */
const KAFKA_JVM_OPTIONS = ['-Xmx1g', '-Djava.awt.headless=true'];
const NEO4J_JVM_OPTIONS = ['-Xmx1g', '-Djava.awt.headless=true'];

export interface BenchKafka {
  /** host:port[,host:port...] */
  brokers: string;
  /** Where it runs, for the output. */
  description: string;
  /** Named by --brokers or KAFKA_BROKERS rather than started here: a run deletes the topics it made. */
  external: boolean;
  /** Removes a broker started here; leaves an external one alone. */
  close(): Promise<void>;
}

export interface BenchNeo4j {
  url: string;
  user: string;
  password: string;
  database: string | undefined;
  description: string;
  close(): Promise<void>;
}

/** The cluster at `brokers` (or KAFKA_BROKERS), else a private broker started now. */
export async function openKafka(brokers = process.env.KAFKA_BROKERS?.trim()): Promise<BenchKafka> {
  if (brokers) return { brokers, description: `external Kafka at ${brokers}`, external: true, close: async () => undefined };
  const missing = javaServerUnavailable(`kafka-${KAFKA_VERSION}`);
  if (missing) throw new Error(`no Kafka cluster given (--brokers host:port or KAFKA_BROKERS) and none can be started here: ${missing}`);
  const started = Date.now();
  const server = await startKafkaServer({ version: KAFKA_VERSION, jvmOptions: KAFKA_JVM_OPTIONS });
  try {
    await firstGroupRoundTrip(server.brokers);
  } catch (error) {
    await server.remove();
    throw error;
  }
  return {
    brokers: server.brokers,
    description: `private Kafka ${KAFKA_VERSION} broker at ${server.brokers} (KRaft, one node; started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    external: false,
    close: () => server.remove(),
  };
}

/**
 * A record written and read back through a consumer group. A fresh broker serves metadata before its
 * group coordinator has created and loaded __consumer_offsets, and a gateway started in that window
 * fails its start-up ("The coordinator is loading", "does not host this topic-partition").
 */
async function firstGroupRoundTrip(brokers: string): Promise<void> {
  const kafka = new Kafka({ clientId: 'tributary-bench-warm-up', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
  const topic = 'tributary-bench-warm-up';
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  const consumer = kafka.consumer({ groupId: topic });
  try {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'warm-up' }], acks: -1 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let read!: () => void;
    const arrived = new Promise<void>((resolve) => (read = resolve));
    await consumer.run({ eachMessage: async () => read() });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([arrived, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the private broker at ${brokers} served no consumer group within 60 s`)), 60_000)))]);
    clearTimeout(timer);
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** The server at NEO4J_URL, else a private Neo4j started now. */
export async function openNeo4j(): Promise<BenchNeo4j> {
  const url = process.env.NEO4J_URL?.trim();
  if (url) {
    return {
      url,
      user: process.env.NEO4J_USER ?? 'neo4j',
      password: process.env.NEO4J_PASSWORD ?? '',
      database: process.env.NEO4J_DATABASE || undefined,
      description: `external Neo4j at ${url}`,
      close: async () => undefined,
    };
  }
  const missing = javaServerUnavailable(NEO4J_SERVER_NAME);
  if (missing) throw new Error(`no Neo4j server given (NEO4J_URL) and none can be started here: ${missing}`);
  const started = Date.now();
  const server = await startNeo4jServer({ jvmOptions: NEO4J_JVM_OPTIONS });
  return {
    url: server.url,
    user: server.user,
    password: server.password,
    database: undefined,
    description: `private Neo4j ${server.version} at ${server.url} (started in ${((Date.now() - started) / 1000).toFixed(1)} s)`,
    close: () => server.remove(),
  };
}

/** A topic prefix no other run on the same cluster uses, e.g. "bench-3f9a1c.". */
export function uniqueTopicPrefix(what: string): string {
  return `bench-${what}-${randomBytes(3).toString('hex')}.`;
}

/** The gateway settings for an event log on `kafka` under `prefix` (TRIBUTARY_KAFKA_PARTITIONS passes through). */
export function kafkaEnv(kafka: BenchKafka, prefix: string): Record<string, string> {
  return { TRIBUTARY_EVENT_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: kafka.brokers, TRIBUTARY_KAFKA_TOPIC_PREFIX: prefix };
}
