// A gateway child process for the benchmarks: `tributary start` on a fresh temporary data directory
// and an ephemeral port on 127.0.0.1, ready once /readyz says so, and always stopped and cleaned up.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseProbeLine, type ProbeReport } from './probes/probe-report';
import { sleep } from './report';

export interface GatewayOptions {
  /** Extra node flags for the child, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']. */
  nodeArgs?: string[];
  /** Extra environment for the child (TRIBUTARY_* settings). */
  env?: Record<string, string>;
  startTimeoutMs?: number;
  /** Preload bench/probes/gateway-probe (timings of durable writes and event loop delay). */
  probe?: boolean;
}

export interface Gateway {
  graphqlUrl: string;
  /** The admin API key the gateway printed, when it requires keys. */
  adminKey: string | undefined;
  websocketUrl: string;
  dataDir: string;
  pid: number;
  /** CPU seconds (user + system) the child has used so far; undefined where /proc is missing. */
  cpuSeconds(): number | undefined;
  /** Lines the child wrote to stderr (its warn/error logs), for diagnosing a failed run. */
  stderrTail(): string;
  /**
   * The probe's numbers since its previous report (or since start), after which it starts afresh:
   * call it after warm-up to leave warm-up out. Undefined without `probe`.
   */
  probeReport(): Promise<ProbeReport | undefined>;
  /** The probe's last report, written as the child stopped; available once stop() has resolved. */
  finalProbeReport(): ProbeReport | undefined;
  stop(): Promise<void>;
}

const CLI = path.resolve(__dirname, '..', 'src', 'cli.js');
const PROBE = path.resolve(__dirname, 'probes', 'gateway-probe.js');
const URL_LINE = /GraphQL\s+(http:\/\/\S+\/graphql)/;
const STOP_GRACE_MS = 10_000;

/** Children not yet stopped; killed synchronously if the benchmark process exits first. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-gw-'));
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...(options.probe ? ['--require', PROBE] : []), CLI, 'start', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1', '--log-level', 'warn'],
    // Benchmarks measure the data path; authentication is off (local development) unless asked for.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TRIBUTARY_AUTH: 'off', ...options.env } },
  );
  running.add(child);
  let stdout = '';
  let stderr = '';
  let partialLine = '';
  const probeReports: ProbeReport[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout = (stdout + chunk).slice(-16_384)));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partialLine + chunk).split('\n');
    partialLine = lines.pop()!;
    for (const line of lines) {
      const report = parseProbeLine(line);
      if (report) probeReports.push(report);
      else stderr = (stderr + line + '\n').slice(-16_384);
    }
  });
  // 'close' rather than 'exit': it comes after the child's stdout and stderr are fully read.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
        if (!graceful) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      running.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    })());

  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
    let graphqlUrl: string | undefined;
    while (!graphqlUrl) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`gateway exited during start-up:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`gateway printed no GraphQL URL in time:\n${stdout}\n${stderr}`);
      graphqlUrl = URL_LINE.exec(stdout)?.[1];
      if (!graphqlUrl) await sleep(25);
    }
    const readyz = new URL('/readyz', graphqlUrl).toString();
    while (!(await fetch(readyz).then((r) => r.ok, () => false))) {
      if (Date.now() > deadline) throw new Error(`gateway never became ready at ${readyz}:\n${stderr}`);
      await sleep(50);
    }
    return {
      graphqlUrl,
      adminKey: /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(stdout)?.[1],
      websocketUrl: graphqlUrl.replace(/^http/, 'ws'),
      dataDir,
      pid: child.pid!,
      cpuSeconds: () => processCpuSeconds(child.pid!),
      stderrTail: () => stderr,
      probeReport: async () => {
        if (!options.probe || child.exitCode !== null) return undefined;
        const seen = probeReports.length;
        child.kill('SIGUSR2');
        for (let waited = 0; probeReports.length === seen && waited < 5_000; waited += 10) await sleep(10);
        return probeReports[seen];
      },
      finalProbeReport: () => (options.probe && (child.exitCode !== null || child.signalCode !== null) ? probeReports.at(-1) : undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs `body` against a fresh gateway and stops it whatever happens. */
export async function withGateway<T>(options: GatewayOptions, body: (gateway: Gateway) => Promise<T>): Promise<T> {
  const gateway = await startGateway(options);
  try {
    return await body(gateway);
  } finally {
    await gateway.stop();
  }
}

/** utime + stime of a process from /proc/<pid>/stat, in seconds (Linux; USER_HZ is 100 there). */
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
