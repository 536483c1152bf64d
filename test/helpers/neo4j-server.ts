// A private Neo4j server for tests: Neo4j Community from the jars that test/servers/prepare.sh
// resolves, run by test/servers/neo4j/Neo4jServer.java with Bolt on a free 127.0.0.1 port and its
// home in a temporary directory; one per test file, stopped and deleted when the file ends. NEO4J_URL
// (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE) names an external server to use instead.
//
// Measured with jars prepared, on 2 cores beside another test run: a start takes 12-13 s (up to 19 s
// under heavy load), a restart on the same data about as long, a clean stop under 1 s.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { afterAll } from 'vitest';
import { freePort } from './free-port';
import { FatalWaitError, waitFor } from './gateway-process';
import { JavaProcess, ServerOutput, javaServerUnavailable, prepareServer, serverClasspath } from './java-server';

export const NEO4J_VERSION = '5.26.30';
const NAME = `neo4j-${NEO4J_VERSION}`;
const EXTERNAL_URL = process.env.NEO4J_URL?.trim() || undefined;
// C1 only: on two cores, C2 compiling the start-up code doubles the start (18 s instead of 9 s under load).
const JVM_OPTIONS = ['-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const START_TIMEOUT_MS = 120_000;

export interface Neo4jServer {
  /** bolt://127.0.0.1:<port> */
  url: string;
  user: string;
  password: string;
  /** The database to name, if any (an external server's NEO4J_DATABASE); undefined means the server's default. */
  database: string | undefined;
  /** The Neo4j version started, or "external". */
  version: string;
  /** True when NEO4J_URL names the server: then kill, pause, resume and restart throw. */
  external: boolean;
  /** Sends `signal` (SIGKILL by default, as a crash) and resolves once the server has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the server holds every connection and answers nothing until resumed. */
  pause(): void;
  resume(): void;
  /** Stops the server (if running) and starts it again on the same port and data; resolves once it serves. */
  restart(): Promise<void>;
  /** A clean shutdown; the data stays until the test file ends. */
  stop(): Promise<void>;
}

/** True when NEO4J_URL names an external server, which the tests use instead of their own. */
export function neo4jServerIsExternal(): boolean {
  return EXTERNAL_URL !== undefined;
}

/** Why the server cannot run here (undefined when it can); throws when TRIBUTARY_TEST_REQUIRE_SERVERS=1. */
export function neo4jServerUnavailable(): string | undefined {
  return EXTERNAL_URL ? undefined : javaServerUnavailable(NAME);
}

let started: Promise<Neo4jServer> | undefined;
let cleanup: (() => Promise<void>) | undefined;

/** Starts the server once per test file (preparing its jars if needed); later calls share it. */
export function neo4jServer(): Promise<Neo4jServer> {
  if (EXTERNAL_URL) return Promise.resolve(externalServer(EXTERNAL_URL));
  started ??= start();
  return started;
}

afterAll(async () => {
  await cleanup?.();
});

async function start(): Promise<Neo4jServer> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'tributary-neo4j-'));
  const output = new ServerOutput();
  let jvm: JavaProcess | undefined;
  cleanup = async () => {
    await jvm?.stop();
    rmSync(home, { recursive: true, force: true });
  };

  const classpath = serverClasspath(await prepareServer(NAME));
  const port = await freePort();
  const url = `bolt://127.0.0.1:${port}`;
  const user = 'neo4j';
  const password = randomBytes(12).toString('hex');
  const launch = async (): Promise<void> => {
    const run = JavaProcess.start(NAME, [...JVM_OPTIONS, '-cp', classpath, 'Neo4jServer', home, String(port), password], home, output);
    jvm = run;
    try {
      await waitFor(
        () => {
          if (!run.alive) throw new FatalWaitError(`Neo4j exited (${run.exitCode})`);
          return run.hasPrinted(`READY ${port}`) && serves(url, user, password);
        },
        { timeoutMs: START_TIMEOUT_MS, intervalMs: 100, what: `Neo4j ${NEO4J_VERSION} to serve on ${url}` },
      );
    } catch (error) {
      await run.kill();
      throw new Error(`${(error as Error).message}; its output:\n${output}`);
    }
  };
  await launch();

  return {
    url,
    user,
    password,
    database: undefined,
    version: NEO4J_VERSION,
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

/** Whether the server runs a query on its default database for this user. */
async function serves(url: string, user: string, password: string): Promise<boolean> {
  const driver = neo4j.driver(url, neo4j.auth.basic(user, password), { connectionTimeout: 2_000, maxTransactionRetryTime: 0 });
  try {
    const { records } = await driver.executeQuery('RETURN 1 AS one');
    return records.length === 1;
  } finally {
    await driver.close();
  }
}

function externalServer(url: string): Neo4jServer {
  const refuse = (what: string): never => {
    throw new Error(`${what} needs a Neo4j server the test starts itself, but NEO4J_URL names an external one (${url}); unset it to run this test`);
  };
  return {
    url,
    user: process.env.NEO4J_USER ?? 'neo4j',
    password: process.env.NEO4J_PASSWORD ?? '',
    database: process.env.NEO4J_DATABASE || undefined,
    version: 'external',
    external: true,
    kill: async () => refuse('kill()'),
    pause: () => refuse('pause()'),
    resume: () => refuse('resume()'),
    restart: async () => refuse('restart()'),
    stop: async () => undefined,
  };
}
