// `tributary certs dev`: a local certificate authority, a server certificate for localhost and
// 127.0.0.1 signed by it, and a client certificate for trying mutual TLS. For development only:
// the CA's key sits next to its certificate.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface DevCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

const VALID_DAYS = 365;

export async function makeDevCertificates(dir: string, now = new Date()): Promise<DevCertificates> {
  const notBeforeDate = new Date(now.getTime() - 60_000);
  const notAfterDate = new Date(now.getTime() + VALID_DAYS * 86_400_000);
  const common = { algorithm: 'sha256', keySize: 2048, notBeforeDate, notAfterDate };
  const ca = await generate([{ name: 'commonName', value: 'Tributary development CA' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const signedBy = { key: ca.private, cert: ca.cert };
  const server = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...common,
    ca: signedBy,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'tributary-dev-client' }], {
    ...common,
    ca: signedBy,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', clientAuth: true },
    ],
  });
  mkdirSync(dir, { recursive: true });
  const files: DevCertificates = {
    caCert: path.join(dir, 'ca.crt'),
    serverCert: path.join(dir, 'server.crt'),
    serverKey: path.join(dir, 'server.key'),
    clientCert: path.join(dir, 'client.crt'),
    clientKey: path.join(dir, 'client.key'),
  };
  writeFileSync(files.caCert, ca.cert);
  writeFileSync(path.join(dir, 'ca.key'), ca.private, { mode: 0o600 });
  writeFileSync(files.serverCert, server.cert);
  writeFileSync(files.serverKey, server.private, { mode: 0o600 });
  writeFileSync(files.clientCert, client.cert);
  writeFileSync(files.clientKey, client.private, { mode: 0o600 });
  return files;
}
