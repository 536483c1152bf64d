// JWT bearer tokens (HS256 here) on a gateway that requires credentials: claims map to roles;
// expired tokens, a wrong issuer or audience, a bad signature and `alg: none` are refused; a live
// subscription ends when its token expires.

import { print } from 'graphql';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLClient, GraphQLRequestError } from '../../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, WhoamiDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { watchViewUpdates } from '../helpers/live-connection';
import { uniqueName } from '../helpers/temp-dir';

const SECRET = 'a-development-secret-of-at-least-32-bytes!';
const ISSUER = 'https://id.example.test';
const AUDIENCE = 'tributary';
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

function sign(claims: Record<string, unknown>, options: { expiresIn?: string | number; issuer?: string; audience?: string; secret?: string } = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(claims.sub ?? 'svc-checkout'))
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function status(gateway: GatewayProcess, token: string, query = print(WhoamiDocument)): Promise<number> {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  return response.status;
}

describe('JWT bearer tokens', () => {
  let gateway: GatewayProcess;
  let admin: GraphQLClient;
  const stream = uniqueName('orders');
  const view = uniqueName('per_minute');

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_JWT_SECRET: SECRET, TRIBUTARY_JWT_ISSUER: ISSUER, TRIBUTARY_JWT_AUDIENCE: AUDIENCE } });
    admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${await sign({ sub: 'ops', roles: ['admin'] })}` } });
    await admin.request(CreateStreamDocument, { input: { name: stream } });
    await admin.request(CreateViewDocument, { input: { name: view, stream, window: '1m', measures: [{ name: 'n', fn: 'COUNT' }] } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('maps the roles claim, and names the caller by its subject', async () => {
    const producer = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${await sign({ sub: 'svc-checkout', roles: 'producer other' })}` } });
    expect((await producer.request(IngestDocument, { stream, events: [{ ts: NOW }] })).ingest.accepted).toBe(1);
    const refused = await producer.request(CreateStreamDocument, { input: { name: uniqueName('x') } }).catch((error: GraphQLRequestError) => error);
    expect((refused as GraphQLRequestError).errors[0].message).toContain('svc-checkout may not manage on stream');
  });

  it('refuses expired tokens, a wrong issuer or audience, a bad signature and alg none', async () => {
    expect(await status(gateway, await sign({ roles: ['admin'] }, { expiresIn: Math.floor(Date.now() / 1000) - 60 }))).toBe(401);
    expect(await status(gateway, await sign({ roles: ['admin'] }, { issuer: 'https://evil.example.test' }))).toBe(401);
    expect(await status(gateway, await sign({ roles: ['admin'] }, { audience: 'someone-else' }))).toBe(401);
    expect(await status(gateway, await sign({ roles: ['admin'] }, { secret: 'another-secret-that-is-long-enough-to-sign' }))).toBe(401);
    const [, payload] = (await sign({ roles: ['admin'] })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    expect(await status(gateway, unsigned)).toBe(401);
    expect(await status(gateway, await sign({ roles: ['admin'] }))).toBe(200);
  });

  it('ends a live subscription when its token expires', async () => {
    const token = await sign({ sub: 'wallboard', roles: ['consumer'] }, { expiresIn: Math.floor(Date.now() / 1000) + 3 });
    const { closed } = watchViewUpdates(gateway.wsUrl, view, token);
    const result = await waitFor(() => Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]), { timeoutMs: 20_000, what: 'the subscription to end at expiry' });
    expect(result).toEqual(expect.objectContaining({ code: 4403, reason: 'the token of "wallboard" expired' }));
  }, 30_000);
});
