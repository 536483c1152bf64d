// Starting a private Kafka broker: KRaft, one node as broker and controller, from the jars that
// test/servers/prepare.sh resolves, on free 127.0.0.1 ports with its log in a temporary directory.
// The tests' lifecycle (one broker per file, KAFKA_BROKERS for an external cluster) is in
// test/helpers/kafka-broker.ts; the benchmarks' in bench/servers.ts.
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
import { freePort } from '../helpers/free-port';
import { FatalWaitError, waitFor } from '../helpers/wait-for';
import { JavaProcess, ServerOutput, prepareServer, serverClasspath, serverControls, type ServerControls } from './java-server';

/** C1 only: quicker to start and leaves the second core to the gateways under test. */
export const KAFKA_TEST_JVM_OPTIONS: readonly string[] = ['-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const START_TIMEOUT_MS = 90_000;

export interface KafkaServerOptions {
  /** A version test/servers/prepare.sh knows, e.g. "3.9.2". */
  version: string;
  /** JVM flags; the tests' by default. */
  jvmOptions?: readonly string[];
}

export interface KafkaServer extends ServerControls {
  /** host:port, what TRIBUTARY_KAFKA_BROKERS takes. */
  brokers: string;
  version: string;
}

/** Prepares the jars if needed, formats a fresh log directory and starts a broker; resolves once it serves. */
export async function startKafkaServer(options: KafkaServerOptions): Promise<KafkaServer> {
  const { version } = options;
  const jvmOptions = options.jvmOptions ?? KAFKA_TEST_JVM_OPTIONS;
  const name = `kafka-${version}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tributary-kafka-'));
  const output = new ServerOutput();
  let jvm: JavaProcess | undefined;
  const remove = async (): Promise<void> => {
    await jvm?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const classpath = serverClasspath(await prepareServer(name));
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    writeFileSync(path.join(dir, 'server.properties'), serverProperties(port, controllerPort, path.join(dir, 'log')));
    const brokers = `127.0.0.1:${port}`;
    try {
      await promisify(execFile)('java', [...jvmOptions, '-cp', classpath, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', 'server.properties'], { cwd: dir });
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
      throw new Error(`formatting the log directory of Kafka ${version} failed:\n${stdout}${stderr}`);
    }

    const launch = async (): Promise<void> => {
      const run = JavaProcess.start(name, [...jvmOptions, '-cp', classpath, 'KafkaServer', 'server.properties'], dir, output);
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
      ...serverControls(() => jvm!, launch, remove),
    };
  } catch (error) {
    await remove();
    throw error;
  }
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
    // Time retention (7 days by default) applied every second instead of every 5 minutes, so a record
    // the broker would delete for its timestamp is deleted while the tests still look at it.
    'log.retention.check.interval.ms=1000',
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
