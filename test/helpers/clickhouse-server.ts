// A private ClickHouse server for tests: Debian's clickhouse-server (18.16 in CI) with its own data
// directory, bound to 127.0.0.1 on free ports, stopped when the test file ends.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { makeDevCertificates, type DevCertificates } from '../../src/cli/dev-certs';
import { freePort } from './free-port';
import { tempDir } from './temp-dir';
import { waitFor } from './gateway-process';

export const CLICKHOUSE_BINARY = '/usr/bin/clickhouse-server';

export function clickHouseServerInstalled(): boolean {
  return existsSync(CLICKHOUSE_BINARY) || spawnSync('which', ['clickhouse-server']).status === 0;
}

export interface ClickHouseServer {
  url: string;
  version: string;
  /** With `mutualTls`: the HTTPS endpoint, which requires a client certificate signed by `certs`' CA. */
  httpsUrl?: string;
  certs?: { dir: string } & DevCertificates;
}

export interface ClickHouseServerOptions {
  /** Also serve HTTPS (localhost), with a development CA's certificate, asking for client certificates. */
  mutualTls?: boolean;
}

let started: Promise<ClickHouseServer> | undefined;
let child: ChildProcess | undefined;

/** Starts the server once per test file (with the first call's options); later calls share it. */
export function clickHouseServer(options: ClickHouseServerOptions = {}): Promise<ClickHouseServer> {
  started ??= start(options);
  return started;
}

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
});

async function start(options: ClickHouseServerOptions): Promise<ClickHouseServer> {
  const dir = tempDir('tributary-clickhouse-');
  for (const sub of ['data', 'log', 'tmp', 'data/user_files', 'data/format_schemas']) mkdirSync(path.join(dir, sub), { recursive: true });
  const [httpPort, tcpPort, httpsPort] = [await freePort(), await freePort(), await freePort()];
  const certsDir = path.join(dir, 'certs');
  const certs = options.mutualTls ? { dir: certsDir, ...(await makeDevCertificates(certsDir)) } : undefined;
  // Poco's "strict" verification fails a handshake without a client certificate signed by caConfig.
  const https = certs
    ? `<https_port>${httpsPort}</https_port>
  <openSSL><server>
    <certificateFile>${certsDir}/server.crt</certificateFile><privateKeyFile>${certsDir}/server.key</privateKeyFile>
    <caConfig>${certsDir}/ca.crt</caConfig><verificationMode>strict</verificationMode><loadDefaultCAFile>false</loadDefaultCAFile>
    <disableProtocols>sslv2,sslv3,tlsv1,tlsv1_1</disableProtocols>
  </server></openSSL>`
    : '';
  const config = path.join(dir, 'config.xml');
  writeFileSync(
    config,
    `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  ${https}
  <max_connections>64</max_connections>
  <max_concurrent_queries>32</max_concurrent_queries>
  <mark_cache_size>268435456</mark_cache_size>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/data/user_files/</user_files_path>
  <format_schema_path>${dir}/data/format_schemas/</format_schema_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
</yandex>
`,
  );
  let output = '';
  child = spawn('clickhouse-server', [`--config-file=${config}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
  const url = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    async () => {
      if (child?.exitCode !== null) throw new Error(`clickhouse-server exited (${child?.exitCode}):\n${output}`);
      return (await fetch(`${url}/ping`).catch(() => undefined))?.ok;
    },
    { timeoutMs: 60_000, what: `clickhouse-server to answer /ping on ${url}` },
  );
  const version = (await (await fetch(`${url}/?query=${encodeURIComponent('SELECT version()')}`)).text()).trim();
  return { url, version, ...(certs ? { httpsUrl: `https://localhost:${httpsPort}`, certs } : {}) };
}
