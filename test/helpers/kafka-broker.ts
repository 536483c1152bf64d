// A private Kafka broker for tests: KRaft, one node as broker and controller, from the jars that
// test/servers/prepare.sh resolves, on free 127.0.0.1 ports with its log in a temporary directory; one
// per test file and version, stopped and deleted when the file ends. KAFKA_BROKERS names an external
// cluster to use instead.
//
// Measured with jars prepared, on 2 cores beside another test run: a start takes 4.5-5.5 s (3.9.2 and
// 4.1.1 alike; formatting the log directory is ~1 s of it), a restart 4-5 s, a clean stop under 1 s.
// A restart after SIGKILL takes ~9 s more: the controller waits out the dead broker's registration
// (broker.session.timeout.ms), as a real cluster does.

import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll } from 'vitest';
import { freePort } from './free-port';
import { FatalWaitError, waitFor } from './gateway-process';
import { JavaProcess, ServerOutput, javaServerUnavailable, prepareServer, serverClasspath } from './java-server';

export const DEFAULT_KAFKA_VERSION = process.env.TRIBUTARY_TEST_KAFKA_VERSION || '3.9.2';
const EXTERNAL_BROKERS = process.env.KAFKA_BROKERS?.trim() || undefined;
// C1 only: quicker to start and leaves the second core to the gateways under test.
const JVM_OPTIONS = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const START_TIMEOUT_MS = 90_000;

export interface KafkaBroker {
  /** host:port (comma-separated for an external cluster): what TRIBUTARY_KAFKA_BROKERS takes. */
  brokers: string;
  /** The Kafka version started, or "external". */
  version: string;
  /** True when KAFKA_BROKERS names the cluster: then kill, pause, resume and restart throw. */
  external: boolean;
  /** Sends `signal` (SIGKILL by default, as a crash) and resolves once the broker has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the broker holds every connection and answers nothing until resumed. */
  pause(): void;
  resume(): void;
  /** Stops the broker (if running) and starts it again on the same ports and data; resolves once it serves. */
  restart(): Promise<void>;
  /** A clean shutdown; the data stays until the test file ends. */
  stop(): Promise<void>;
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
  const name = `kafka-${version}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-kafka-'));
  const output = new ServerOutput();
  let jvm: JavaProcess | undefined;
  cleanups.push(async () => {
    await jvm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const classpath = serverClasspath(await prepareServer(name));
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  writeFileSync(path.join(dir, 'server.properties'), serverProperties(port, controllerPort, path.join(dir, 'log')));
  const brokers = `127.0.0.1:${port}`;
  try {
    await promisify(execFile)('java', [...JVM_OPTIONS, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', 'server.properties'], { cwd: dir });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`formatting the log directory of Kafka ${version} failed:\n${stdout}${stderr}`);
  }

  const launch = async (): Promise<void> => {
    const run = JavaProcess.start(name, [...JVM_OPTIONS, '-cp', classpath, 'KafkaServer', 'server.properties'], dir, output);
    jvm = run;
    try {
      await waitFor(
        async () => {
          if (!run.alive) throw new FatalWaitError(`Kafka ${version} exited (${run.exitCode})`);
          return serves(brokers);
        },
        { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what: `Kafka ${version} to serve on ${brokers}` },
      );
    } catch (error) {
      await run.kill();
      throw new Error(`${(error as Error).message}; its output:\n${output}`);
    }
  };
  await launch();

  return {
    brokers,
    version,
    external: false,
    kill: (signal) => jvm!.kill(signal),
    pause: () => jvm!.pause(),
    resume: () => jvm!.resume(),
    restart: async () => {
      await jvm!.stop();
      await launch();
    },
    stop: () => jvm!.stop(),
  };
}

function serverProperties(port: number, controllerPort: number, logDir: string): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${logDir}`,
    // As a managed cluster is set up: topics exist only when Tributary creates them.
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
  ].join('\n')}\n`;
}

/** A random cluster id as Kafka writes them (16 bytes, URL-safe base64), without a JVM start for `random-uuid`. */
function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka never makes one a command line would read as an option
  }
}

/** Whether the broker answers a metadata request and lists itself: only then does it take clients. */
async function serves(brokers: string): Promise<boolean> {
  const admin = new Kafka({ clientId: 'tributary-test-ready', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
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
