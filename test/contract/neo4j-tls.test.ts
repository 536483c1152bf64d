// Neo4j over TLS, as far as it can be shown without a Neo4j server: the driver, configured by the
// TRIBUTARY_NEO4J_TLS_* settings, opens TLS to a local endpoint with a development certificate,
// trusts only the configured CA, presents the client certificate, and speaks Bolt inside the tunnel
// (the endpoint records the Bolt preamble, then hangs up). Against a real server: test/contract/neo4j.test.ts.

import { readFileSync } from 'node:fs';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Neo4jLineageStore, neo4jDriverConfig } from '../../src/adapters/neo4j/neo4j-lineage-store';
import { makeDevCertificates, type DevCertificates } from '../../src/cli/dev-certs';
import { loadConfig } from '../../src/config/config';
import { tempDir } from '../helpers/temp-dir';

/** What the endpoint saw of one connection. */
interface Seen {
  authorized: boolean;
  clientName?: string;
  preamble: string;
}

describe('Neo4j connections over TLS', () => {
  let certs: DevCertificates;
  let other: DevCertificates;
  let server: Server;
  let url: string;
  const seen: Seen[] = [];

  beforeAll(async () => {
    certs = await makeDevCertificates(tempDir('tributary-neo4j-tls-'));
    other = await makeDevCertificates(tempDir('tributary-other-ca-'));
    server = createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), ca: readFileSync(certs.caCert), requestCert: true, rejectUnauthorized: false }, (socket: TLSSocket) => {
      socket.once('data', (chunk: Buffer) => {
        const subject = socket.getPeerCertificate().subject as Record<string, string> | undefined;
        seen.push({ authorized: socket.authorized, clientName: subject?.CN, preamble: chunk.subarray(0, 4).toString('hex') });
        socket.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `bolt://localhost:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('trusts the configured CA, presents the client certificate, and speaks Bolt inside TLS', async () => {
    const opened = Neo4jLineageStore.open({ url, user: 'neo4j', password: 'secret', tls: { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey } });
    await expect(opened).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(seen.at(-1)).toEqual({ authorized: true, clientName: 'tributary-dev-client', preamble: '6060b017' });
  });

  it('refuses a server whose certificate another CA signed, before sending anything', async () => {
    const before = seen.length;
    const opened = Neo4jLineageStore.open({ url, user: 'neo4j', password: 'secret', tls: { caFile: other.caCert } });
    await expect(opened).rejects.toThrow(/certificate|self.signed/i);
    expect(seen.length).toBe(before);
  });

  it('maps the settings onto the driver, and refuses settings that contradict the URL', () => {
    expect(neo4jDriverConfig(undefined)).toEqual({ disableLosslessIntegers: true });
    const mutual = neo4jDriverConfig({ caFile: '/ca.crt', certFile: '/c.crt', keyFile: '/c.key' });
    expect(mutual).toMatchObject({ disableLosslessIntegers: true, encrypted: 'ENCRYPTION_ON', trust: 'TRUST_CUSTOM_CA_SIGNED_CERTIFICATES', trustedCertificates: ['/ca.crt'] });
    expect(neo4jDriverConfig({ certFile: '/c.crt', keyFile: '/c.key' })).toMatchObject({ trust: 'TRUST_SYSTEM_CA_SIGNED_CERTIFICATES' });
    expect(() => loadConfig({}, { TRIBUTARY_NEO4J_URL: 'neo4j+s://db.example:7687', TRIBUTARY_NEO4J_TLS_CA_FILE: '/ca.crt' })).toThrow(/TRIBUTARY_NEO4J_URL.*\+s or \+ssc scheme/s);
    expect(() => loadConfig({}, { TRIBUTARY_NEO4J_TLS_CERT_FILE: '/c.crt' })).toThrow(/TRIBUTARY_NEO4J_TLS_CERT_FILE: and TRIBUTARY_NEO4J_TLS_KEY_FILE must be set together/);
  });
});
