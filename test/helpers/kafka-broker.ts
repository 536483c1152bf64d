// A private Kafka broker for tests (test/servers/kafka-server.ts starts it): one per test file and
// version, stopped and deleted when the file ends. KAFKA_BROKERS names an external cluster to use
// instead.

import { afterAll } from 'vitest';
import { javaServerUnavailable, type ServerControls } from '../servers/java-server';
import { KAFKA_TEST_JVM_OPTIONS, startKafkaServer } from '../servers/kafka-server';

export const DEFAULT_KAFKA_VERSION = process.env.TRIBUTARY_TEST_KAFKA_VERSION || '3.9.2';
const EXTERNAL_BROKERS = process.env.KAFKA_BROKERS?.trim() || undefined;

/** The controls throw for an external cluster. */
export interface KafkaBroker extends Omit<ServerControls, 'remove'> {
  /** host:port (comma-separated for an external cluster): what TRIBUTARY_KAFKA_BROKERS takes. */
  brokers: string;
  /** The Kafka version started, or "external". */
  version: string;
  /** True when KAFKA_BROKERS names the cluster: then kill, pause, resume and restart throw. */
  external: boolean;
}

/** True when KAFKA_BROKERS names an external cluster, which the tests use instead of their own brokers. */
export function kafkaBrokerIsExternal(): boolean {
  return EXTERNAL_BROKERS !== undefined;
}

/** Why a broker of `version` cannot run here (undefined when it can); throws when TRIBUTARY_TEST_REQUIRE_SERVERS=1. */
export function kafkaBrokerUnavailable(version = DEFAULT_KAFKA_VERSION): string | undefined {
  return EXTERNAL_BROKERS ? undefined : javaServerUnavailable(`kafka-${version}`);
}

const started = new Map<string, Promise<KafkaBroker>>();
const cleanups: Array<() => Promise<void>> = [];

/** Starts a broker of `version` once per test file (preparing its jars if needed); later calls share it. */
export function kafkaBroker(options: { version?: string } = {}): Promise<KafkaBroker> {
  if (EXTERNAL_BROKERS) return Promise.resolve(externalCluster(EXTERNAL_BROKERS));
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  let broker = started.get(version);
  if (!broker) {
    broker = start(version);
    started.set(version, broker);
  }
  return broker;
}

afterAll(async () => {
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
});

async function start(version: string): Promise<KafkaBroker> {
  const server = await startKafkaServer({ version, jvmOptions: KAFKA_TEST_JVM_OPTIONS });
  cleanups.push(() => server.remove());
  const { remove: _remove, ...controls } = server;
  return { ...controls, external: false };
}

function externalCluster(brokers: string): KafkaBroker {
  const refuse = (what: string): never => {
    throw new Error(`${what} needs a Kafka broker the test starts itself, but KAFKA_BROKERS names an external cluster (${brokers}); unset it to run this test`);
  };
  return {
    brokers,
    version: 'external',
    external: true,
    kill: async () => refuse('kill()'),
    pause: () => refuse('pause()'),
    resume: () => refuse('resume()'),
    restart: async () => refuse('restart()'),
    stop: async () => undefined,
  };
}
