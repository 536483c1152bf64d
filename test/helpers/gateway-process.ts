// Runs a real gateway (`node dist/src/cli.js start`) as a child process on its own data directory, the
// way a user runs it, and tears every started process down when the test file ends, pass or fail.
// chDB allows one data directory per process, so each gateway must be a process of its own.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll } from 'vitest';
import { GraphQLClient } from '../../src/client/graphql-client';
import { FatalWaitError, waitFor } from './wait-for';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'src', 'cli.js');
const URL_LINE = /GraphQL\s+(https?:\/\/(\S+?):(\d+)\/graphql)/;
const OUTPUT_KEPT_CHARS = 64 * 1024;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartGatewayOptions {
  /** Reuse a data directory (for restarts); a fresh temporary one when omitted. */
  dataDir?: string;
  /** Extra environment variables, e.g. TRIBUTARY_MAX_EVENT_BYTES. */
  env?: Record<string, string>;
  /** Producer name the `client` sends (x-tributary-producer); the gateway's default when omitted. */
  producer?: string;
  /** How long start-up (URL printed and /readyz 200) may take. */
  startTimeoutMs?: number;
  /** For a gateway serving HTTPS: what to trust (and present) when checking it is ready. */
  tls?: TestTls;
}

export { FatalWaitError, waitFor, type WaitForOptions } from './wait-for';

const live = new Set<GatewayProcess>();
const dataDirs = new Set<string>();

/** A fresh data directory, removed after every gateway of this test file has been killed. */
export function freshDataDir(prefix = 'tributary-gw-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  dataDirs.add(dir);
  return dir;
}

export class GatewayProcess {
  /** Typed GraphQL client for this gateway (set once its URL is known). */
  client!: GraphQLClient;
  readonly exited: Promise<ExitInfo>;
  private exit: ExitInfo | undefined;
  private output = '';
  url = '';
  wsUrl = '';
  baseUrl = '';

  constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
    private readonly producer: string | undefined,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        live.delete(this);
        resolve(this.exit);
      });
    });
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-OUTPUT_KEPT_CHARS);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  /** Everything the process printed (its last 64 KiB), for failure messages. */
  log(): string {
    return this.output;
  }

  /** A client that sends `producer` as the producer name. */
  clientFor(producer: string): GraphQLClient {
    return new GraphQLClient(this.url, { producer });
  }

  /** Throws (fatally for waitFor) when the process has exited. */
  assertAlive(): void {
    if (this.exit) {
      throw new FatalWaitError(`gateway pid ${this.pid} exited unexpectedly (${JSON.stringify(this.exit)}); its output:\n${this.output}`);
    }
  }

  /** Sends `signal` (SIGKILL by default) and resolves when the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    this.child.kill(signal);
    return this.exited;
  }

  /** SIGTERM, then waits for the exit; throws if the gateway does not stop by itself in time. */
  async stop(timeoutMs = 30_000): Promise<ExitInfo> {
    if (this.exit) return this.exit;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.child.kill('SIGKILL');
      await this.exited;
      throw new Error(`gateway pid ${this.pid} did not exit within ${timeoutMs} ms of SIGTERM (killed); its output:\n${this.output}`);
    }
    return outcome;
  }

  async metrics(): Promise<string> {
    const response = await fetch(`${this.baseUrl}/metrics`);
    if (response.status !== 200) throw new Error(`/metrics answered HTTP ${response.status}`);
    return response.text();
  }

  /** @internal Called once the URL line has been printed. */
  setUrl(url: string): void {
    this.url = url;
    this.wsUrl = url.replace(/^http:/, 'ws:');
    this.baseUrl = url.replace(/\/graphql$/, '');
    this.client = new GraphQLClient(url, this.producer ? { producer: this.producer } : {});
  }

  /** @internal */
  waitForUrl(timeoutMs: number): Promise<string> {
    return waitFor(
      () => {
        this.assertAlive();
        return URL_LINE.exec(this.output)?.[1];
      },
      { timeoutMs, what: `gateway pid ${this.pid} to print its GraphQL URL`, intervalMs: 25 },
    );
  }
}

/**
 * Starts `tributary start --port 0 --host 127.0.0.1` on `dataDir` (or a fresh directory), waits for
 * the printed URL and for /readyz to answer 200, and returns the running gateway.
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<GatewayProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` before the tests`);
  const dataDir = options.dataDir ?? freshDataDir();
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const env: NodeJS.ProcessEnv = {};
  // The gateway's settings come only from what this test passes, never from the developer's shell;
  // and it runs as a user runs it, without the NODE_ENV=test that vitest sets for itself.
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('TRIBUTARY_') && name !== 'NODE_ENV') env[name] = value;
  }
  // Tests not about authentication run the gateway in local-development mode, said explicitly.
  env.TRIBUTARY_AUTH = 'off';
  Object.assign(env, options.env);
  const child = spawn(
    process.execPath,
    [CLI, 'start', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const gateway = new GatewayProcess(child, dataDir, options.producer);
  live.add(gateway);
  try {
    const url = await gateway.waitForUrl(startTimeoutMs);
    const [, , host] = URL_LINE.exec(gateway.log())!;
    if (host !== '127.0.0.1') throw new Error(`gateway listens on ${host}, expected 127.0.0.1 only`);
    gateway.setUrl(url);
    await waitFor(
      async () => {
        gateway.assertAlive();
        const readyz = `${gateway.baseUrl}/readyz`;
        return (options.tls ? await httpsStatus(readyz, options.tls) : (await fetch(readyz)).status) === 200;
      },
      { timeoutMs: startTimeoutMs, what: `gateway pid ${gateway.pid} to answer /readyz with 200` },
    );
    return gateway;
  } catch (error) {
    await gateway.kill('SIGKILL');
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- gateway output ---\n${gateway.log()}`);
  }
}

/** Certificates a test trusts (and presents) when talking to a gateway that serves HTTPS. */
export interface TestTls {
  ca: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** The status of a GET over HTTPS, trusting `tls.ca` (and presenting a client certificate if given). */
export function httpsStatus(url: string, tls: TestTls): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** SIGKILLs every gateway this file started that is still running. */
async function killAll(): Promise<void> {
  await Promise.all([...live].map((gateway) => gateway.kill('SIGKILL')));
}

afterAll(async () => {
  await killAll();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs.clear();
});

// If the test worker itself goes away without running hooks, take the gateways with it.
process.once('exit', () => {
  for (const gateway of live) {
    try {
      process.kill(gateway.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Runs `tributary start` on a fresh data directory with only `env` (plus PATH) and waits for it to
 * exit, as it must when a setting is wrong: returns its exit code and standard error.
 */
export async function startExpectingFailure(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return promisify(execFile)(process.execPath, [CLI, 'start', '--port', '0', '--data-dir', freshDataDir('tributary-refused-')], {
    env: { PATH: process.env.PATH, TRIBUTARY_LOG_LEVEL: 'silent', ...env },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}
