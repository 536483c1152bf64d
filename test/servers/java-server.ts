// What the private Kafka and Neo4j servers share: their jars come from test/servers/prepare.sh (into
// .cache/servers/<name>/), they run as a JVM child of the process that started them (a test file or
// a benchmark run), which can kill, pause and restart them, and whether they can run here at all
// (Java, and Maven until the jars are cached). No vitest here: the benchmarks start them too.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { shippedPath } from '../../src/config/package-root';

// Found from test/servers/ under vitest and from dist/test/servers/ after tsc (the benchmarks) alike.
const PREPARE = shippedPath('test', 'servers', 'prepare.sh') ?? path.resolve(__dirname, 'prepare.sh');
const ROOT = path.resolve(path.dirname(PREPARE), '..', '..');
const OUTPUT_KEPT_CHARS = 8 * 1024;

/** Where prepare.sh puts a server's `lib/` and `classes/`, e.g. for "kafka-3.9.2". */
export function serverCacheDir(name: string): string {
  return path.join(ROOT, '.cache', 'servers', name);
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Why the server `name` cannot run on this machine, or undefined when it can. With
 * TRIBUTARY_TEST_REQUIRE_SERVERS=1 (as in CI) a missing tool is an error instead: nothing is skipped.
 */
export function javaServerUnavailable(name: string): string | undefined {
  const prepared = existsSync(path.join(serverCacheDir(name), 'READY'));
  const missing = ['java', ...(prepared ? [] : ['mvn', 'javac'])].filter((command) => !onPath(command));
  if (missing.length === 0) return undefined;
  const reason = `${name} needs ${missing.join(', ')} on PATH${prepared ? '' : ` (mvn and javac only until bash test/servers/prepare.sh ${name} has run)`}`;
  if (process.env.TRIBUTARY_TEST_REQUIRE_SERVERS === '1') throw new Error(`${reason}; TRIBUTARY_TEST_REQUIRE_SERVERS=1 forbids skipping`);
  return reason;
}

/** Runs prepare.sh for `name` (quick when already prepared) and returns its cache directory. */
export async function prepareServer(name: string): Promise<string> {
  try {
    await promisify(execFile)('bash', [PREPARE, name], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`bash test/servers/prepare.sh ${name} failed:\n${stdout}${stderr}`);
  }
  return serverCacheDir(name);
}

/** The classpath of a prepared server: its jars and its compiled launcher. */
export function serverClasspath(cacheDir: string): string {
  return `${path.join(cacheDir, 'lib', '*')}${path.delimiter}${path.join(cacheDir, 'classes')}`;
}

/**
 * One JVM run of a server. Its stdin stays open: the launchers exit when it closes, so a server
 * never outlives the process that started it, however that process ends.
 */
export class JavaProcess {
  readonly exited: Promise<void>;
  private running = true;
  /** What this run printed (its last few KB), apart from earlier runs' output. */
  private printed = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly what: string,
    private readonly output: ServerOutput,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => (this.running = false));
    const keep = (chunk: string) => {
      this.printed = (this.printed + chunk).slice(-OUTPUT_KEPT_CHARS);
      output.add(chunk);
    };
    child.stdout!.setEncoding('utf8').on('data', keep);
    child.stderr!.setEncoding('utf8').on('data', keep);
  }

  /** Starts `java args` in `cwd`; `output` gathers the last few KB it prints, across runs. */
  static start(what: string, args: string[], cwd: string, output: ServerOutput): JavaProcess {
    const child = spawn('java', args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    child.once('error', (error) => output.add(`${what}: ${error.message}\n`));
    return new JavaProcess(child, what, output);
  }

  get alive(): boolean {
    return this.running;
  }

  /** Whether this run (not an earlier one) has printed `text`. */
  hasPrinted(text: string): boolean {
    return this.printed.includes(text);
  }

  get exitCode(): string {
    return `${this.child.exitCode ?? this.child.signalCode}`;
  }

  /** Sends `signal` (SIGKILL by default, as a crash) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    // A paused JVM acts on anything but SIGKILL only once it runs again.
    if (signal !== 'SIGKILL') this.child.kill('SIGCONT');
    await this.exited;
  }

  pause(): void {
    if (this.running) this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.child.kill('SIGCONT');
  }

  /** SIGTERM (a clean shutdown), then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => {
      this.output.add(`\n${this.what} did not stop within ${timeoutMs} ms of SIGTERM: killed\n`);
      this.child.kill('SIGKILL');
    }, timeoutMs);
    await this.kill('SIGTERM');
    clearTimeout(timer);
  }
}

/** What the starter of a private server can do with it (tests kill, pause and restart them). */
export interface ServerControls {
  /** Sends `signal` (SIGKILL by default, as a crash) and resolves once the server has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the server holds every connection and answers nothing until resumed. */
  pause(): void;
  resume(): void;
  /** Stops the server (if running) and starts it again on the same ports and data; resolves once it serves. */
  restart(): Promise<void>;
  /** A clean shutdown; the data stays until `remove`. */
  stop(): Promise<void>;
  /** Stops the server if it runs and deletes its data. */
  remove(): Promise<void>;
}

/** The controls of a server whose current run is `current()`, started again by `launch`. */
export function serverControls(current: () => JavaProcess, launch: () => Promise<void>, remove: () => Promise<void>): ServerControls {
  return {
    kill: (signal) => current().kill(signal),
    pause: () => current().pause(),
    resume: () => current().resume(),
    restart: async () => {
      await current().stop();
      await launch();
    },
    stop: () => current().stop(),
    remove,
  };
}

/** The last few KB a server printed, for the message of a start that failed. */
export class ServerOutput {
  private text = '';

  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-OUTPUT_KEPT_CHARS);
  }

  toString(): string {
    return this.text;
  }
}
