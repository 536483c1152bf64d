// A private Neo4j server for tests (test/servers/neo4j-server.ts starts it): one per test file,
// stopped and deleted when the file ends. NEO4J_URL (with NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE)
// names an external server to use instead.

import { afterAll } from 'vitest';
import { javaServerUnavailable, type ServerControls } from '../servers/java-server';
import { NEO4J_SERVER_NAME, NEO4J_TEST_JVM_OPTIONS, NEO4J_VERSION, startNeo4jServer } from '../servers/neo4j-server';

export { NEO4J_VERSION };

const EXTERNAL_URL = process.env.NEO4J_URL?.trim() || undefined;

/** The controls throw for an external server. */
export interface Neo4jServer extends Omit<ServerControls, 'remove'> {
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
}

/** True when NEO4J_URL names an external server, which the tests use instead of their own. */
export function neo4jServerIsExternal(): boolean {
  return EXTERNAL_URL !== undefined;
}

/** Why the server cannot run here (undefined when it can); throws when TRIBUTARY_TEST_REQUIRE_SERVERS=1. */
export function neo4jServerUnavailable(): string | undefined {
  return EXTERNAL_URL ? undefined : javaServerUnavailable(NEO4J_SERVER_NAME);
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
  const server = await startNeo4jServer({ jvmOptions: NEO4J_TEST_JVM_OPTIONS });
  cleanup = () => server.remove();
  const { remove: _remove, ...controls } = server;
  return { ...controls, database: undefined, external: false };
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
