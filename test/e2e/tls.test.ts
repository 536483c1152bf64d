// TLS end to end with the certificates `tributary certs dev` makes: HTTPS and WSS round trips, and
// mutual TLS refusing a client without a certificate the configured CA signed.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startExpectingFailure, startGateway, httpsStatus, type GatewayProcess, type TestTls } from '../helpers/gateway-process';
import { tempDir } from '../helpers/temp-dir';

const CLI = path.resolve(__dirname, '../../dist/src/cli.js');

/** A GraphQL POST over HTTPS; resolves with the parsed body. */
function postOverTls(url: string, tls: TestTls, query: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ca: tls.ca, cert: tls.cert, key: tls.key }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query }));
  });
}

describe('TLS with the development certificates', () => {
  const dir = path.join(tempDir('tributary-tls-'), 'certs');
  let files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'certs', 'dev', '--out', dir]);
    expect(stdout).toContain('TRIBUTARY_TLS_CERT_FILE=');
    files = {
      ca: path.join(dir, 'ca.crt'),
      serverCert: path.join(dir, 'server.crt'),
      serverKey: path.join(dir, 'server.key'),
      clientCert: path.join(dir, 'client.crt'),
      clientKey: path.join(dir, 'client.key'),
    };
  }, 60_000);
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
  });

  it('serves GraphQL over HTTPS and subscriptions over WSS', async () => {
    const tls: TestTls = { ca: readFileSync(files.ca) };
    const gateway = await startGateway({ env: { TRIBUTARY_TLS_CERT_FILE: files.serverCert, TRIBUTARY_TLS_KEY_FILE: files.serverKey }, tls });
    gateways.push(gateway);
    expect(gateway.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/graphql$/);
    expect(gateway.log()).toMatch(/wss:\/\/127\.0\.0\.1:\d+\/graphql/);
    expect(await postOverTls(gateway.url, tls, '{ streams { name } }')).toEqual({ data: { streams: [] } });

    const ws = new WebSocket(gateway.wsUrl.replace(/^ws:/, 'wss:'), 'graphql-transport-ws', { ca: tls.ca });
    const acknowledged = await new Promise<unknown>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => resolve(JSON.parse(String(data))));
      ws.on('error', reject);
    });
    ws.close();
    expect(acknowledged).toEqual({ type: 'connection_ack' });

    // A client that does not trust the development CA refuses the connection.
    await expect(httpsStatus(`${gateway.baseUrl}/healthz`, { ca: Buffer.from('') })).rejects.toThrow(/self.signed|unable to verify|certificate/i);
  });

  it('requires a client certificate signed by the configured CA (mutual TLS)', async () => {
    const trustOnly: TestTls = { ca: readFileSync(files.ca) };
    const withCert: TestTls = { ...trustOnly, cert: readFileSync(files.clientCert), key: readFileSync(files.clientKey) };
    const gateway = await startGateway({
      env: { TRIBUTARY_TLS_CERT_FILE: files.serverCert, TRIBUTARY_TLS_KEY_FILE: files.serverKey, TRIBUTARY_TLS_CA_FILE: files.ca },
      tls: withCert,
    });
    gateways.push(gateway);
    expect(await httpsStatus(`${gateway.baseUrl}/healthz`, withCert)).toBe(200);
    await expect(httpsStatus(`${gateway.baseUrl}/healthz`, trustOnly)).rejects.toThrow(/certificate required|socket hang up|ECONNRESET/i);
    // A client certificate from another CA is refused as well.
    const otherDir = path.join(tempDir('tributary-tls-other-'), 'certs');
    await promisify(execFile)(process.execPath, [CLI, 'certs', 'dev', '--out', otherDir]);
    const stranger: TestTls = { ...trustOnly, cert: readFileSync(path.join(otherDir, 'client.crt')), key: readFileSync(path.join(otherDir, 'client.key')) };
    await expect(httpsStatus(`${gateway.baseUrl}/healthz`, stranger)).rejects.toThrow(/unknown ca|socket hang up|ECONNRESET/i);
    expect(await httpsStatus(`${gateway.baseUrl}/healthz`, withCert)).toBe(200);
  }, 60_000);

  it('refuses to start when a certificate file cannot be read, naming the setting', async () => {
    const result = await startExpectingFailure({ TRIBUTARY_TLS_CERT_FILE: '/nonexistent/server.crt', TRIBUTARY_TLS_KEY_FILE: files.serverKey });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TRIBUTARY_TLS_CERT_FILE: cannot read /nonexistent/server.crt');
  });
});
