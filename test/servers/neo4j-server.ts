// Starting a private Neo4j server: Neo4j Community from the jars that test/servers/prepare.sh
// resolves, run by test/servers/neo4j/Neo4jServer.java with Bolt on a free 127.0.0.1 port and its home
// in a temporary directory. The tests' lifecycle (one server per file, NEO4J_URL for an external one)
// is in test/helpers/neo4j-server.ts; the benchmarks' in bench/servers.ts.
//
// Measured with jars prepared, on 2 cores beside another test run: a start takes 12-13 s (up to 19 s
// under heavy load), a restart on the same data about as long, a clean stop under 1 s.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import neo4j from 'neo4j-driver';
import { freePort } from '../helpers/free-port';
import { FatalWaitError, waitFor } from '../helpers/wait-for';
import { JavaProcess, ServerOutput, prepareServer, serverClasspath, serverControls, type ServerControls } from './java-server';

export const NEO4J_VERSION = '5.26.30';
export const NEO4J_SERVER_NAME = `neo4j-${NEO4J_VERSION}`;
/** C1 only: on two cores, C2 compiling the start-up code doubles the start (18 s instead of 9 s under load). */
export const NEO4J_TEST_JVM_OPTIONS: readonly string[] = ['-Xmx1g', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const START_TIMEOUT_MS = 120_000;

export interface Neo4jServerOptions {
  /** JVM flags; the tests' by default. */
  jvmOptions?: readonly string[];
}

export interface Neo4jServerProcess extends ServerControls {
  /** bolt://127.0.0.1:<port> */
  url: string;
  user: string;
  password: string;
  version: string;
}

/** Prepares the jars if needed and starts a server on a fresh home; resolves once it runs queries. */
export async function startNeo4jServer(options: Neo4jServerOptions = {}): Promise<Neo4jServerProcess> {
  const jvmOptions = options.jvmOptions ?? NEO4J_TEST_JVM_OPTIONS;
  const home = mkdtempSync(path.join(os.tmpdir(), 'tributary-neo4j-'));
  const output = new ServerOutput();
  let jvm: JavaProcess | undefined;
  const remove = async (): Promise<void> => {
    await jvm?.stop();
    rmSync(home, { recursive: true, force: true });
  };

  try {
    const classpath = serverClasspath(await prepareServer(NEO4J_SERVER_NAME));
    const port = await freePort();
    const url = `bolt://127.0.0.1:${port}`;
    const user = 'neo4j';
    const password = randomBytes(12).toString('hex');
    const launch = async (): Promise<void> => {
      const run = JavaProcess.start(NEO4J_SERVER_NAME, [...jvmOptions, '-cp', classpath, 'Neo4jServer', home, String(port), password], home, output);
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
      version: NEO4J_VERSION,
      ...serverControls(() => jvm!, launch, remove),
    };
  } catch (error) {
    await remove();
    throw error;
  }
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
