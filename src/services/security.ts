// The one place requests are authenticated and authorized. API keys and ACLs live in the control
// plane (hashes only), so every instance knows every key and rule; a verified key is cached so the
// hash is not recomputed per request, and a revocation drops it from the cache at once.
//
// With authentication off (local development only) every caller is an anonymous admin.

import { randomBytes } from 'node:crypto';
import {
  authorizeControl,
  authorizeData,
  ROLES,
  type AclRule,
  type ApiKeyRecord,
  type ControlOperation,
  type DataOperation,
  type Principal,
  type ResourceType,
  type Role,
} from '../domain/security/authorization';
import { hashSecret, newApiKey, parseApiKey, secretMatches } from '../domain/security/api-keys';
import { limitFor, TokenBuckets, type RateLimits } from '../domain/security/rate-limits';
import type { RefusalResult } from '../domain/security/access-refusals';
import { JwtVerifier } from './jwt-verifier';
import type { RefusalAudit } from './refusal-audit';
import { GatewayError } from '../errors/gateway-error';
import type { Clock } from '../ports/clock';
import type { ControlPlane } from './control-plane';

const ANONYMOUS: Principal = { id: 'anonymous', name: 'anonymous', roles: ['admin'] };
/** The gateway itself, making its first admin key. */
const SYSTEM: Principal = { id: 'system', name: 'tributary', roles: ['admin'] };
const AT_START: Origin = { source: 'local', via: 'start-up' };

/** Where a request came from and how it reached the gateway, for the audit trail of refusals. */
export interface Origin {
  /** The client's address. */
  source: string;
  /** "POST /graphql", "graphql-ws", "GET /audit.ndjson", … */
  via: string;
}

export interface SecurityOptions {
  /** False only for local development: then every caller is an anonymous admin. */
  required: boolean;
  rateLimits?: RateLimits;
  jwt?: JwtVerifier;
  /** Where refused requests are recorded. */
  refusals?: RefusalAudit;
}
const VERIFIED_CACHE = 10_000;
const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export class Security {
  /** Tokens already checked against their hash, by token: the principal they stand for. */
  private readonly verified = new Map<string, { keyId: string; principal: Principal }>();

  private readonly revocationListeners: (() => void)[] = [];

  private readonly buckets = new TokenBuckets();

  readonly required: boolean;
  private readonly rateLimits: RateLimits;
  private readonly jwt: JwtVerifier | undefined;
  private readonly refusals: RefusalAudit | undefined;

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly clock: Clock,
    options: SecurityOptions,
  ) {
    ({ required: this.required, rateLimits: this.rateLimits = {}, jwt: this.jwt, refusals: this.refusals } = options);
    // A cached verification is not dropped here: every cache hit checks its key is still live.
    controlPlane.onApplied((outcome) => {
      if (outcome.ok && outcome.type === 'ApiKeyRevoked') for (const listener of this.revocationListeners) listener();
    });
  }

  /** Calls `listener` whenever a key is revoked (on any instance), to end what it holds open. */
  onRevocation(listener: () => void): void {
    this.revocationListeners.push(listener);
  }

  /** Why a principal authenticated earlier no longer holds (revoked or expired key), or undefined. */
  lapsed(principal: Principal): string | undefined {
    if (principal.expiresAt !== undefined && principal.expiresAt <= this.clock.now()) return `the token of "${principal.name}" expired`;
    if (!principal.id.startsWith('key:')) return undefined;
    const key = this.controlPlane.keys().get(principal.id.slice('key:'.length));
    return key ? this.lapse(key) : `API key "${principal.name}" was revoked`;
  }

  /**
   * The principal a request's credential (an API key or a JWT, as the HTTP or WebSocket layer found
   * it) stands for; refuses a missing, unknown, revoked or expired one.
   */
  async authenticate(token: string | undefined, origin: Origin): Promise<Principal> {
    try {
      if (!this.required && token === undefined) return ANONYMOUS;
      if (token === undefined) {
        throw new GatewayError('UNAUTHENTICATED', 'this gateway requires an API key: send "Authorization: Bearer trb_…" (or x-api-key)');
      }
      if (this.jwt && JwtVerifier.looksLikeJwt(token)) return await this.jwt.verify(token, this.clock.now());
      return this.verify(token);
    } catch (error) {
      if (GatewayError.is(error, 'UNAUTHENTICATED')) this.refused(claimedBy(token), origin, 'authenticate', 'gateway', error);
      throw error;
    }
  }

  private verify(token: string): Principal {
    const cached = this.verified.get(token);
    const cachedKey = cached && this.controlPlane.keys().get(cached.keyId);
    if (cachedKey && this.lapse(cachedKey) === undefined) return cached.principal;
    const parsed = parseApiKey(token);
    const key = parsed ? this.controlPlane.keys().get(parsed.id) : undefined;
    if (!parsed || !key || !secretMatches(parsed.secret, key.hash)) throw new GatewayError('UNAUTHENTICATED', 'the API key is not valid');
    const lapse = this.lapse(key);
    if (lapse) throw new GatewayError('UNAUTHENTICATED', lapse);
    const principal: Principal = { id: `key:${key.id}`, name: key.name, roles: key.roles };
    if (this.verified.size >= VERIFIED_CACHE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { keyId: key.id, principal });
    return principal;
  }

  /** Takes one request from the principal's rate limit, or refuses with when to retry. */
  admit(principal: Principal): void {
    const limit = limitFor(principal, this.rateLimits);
    if (!limit) return;
    const taken = this.buckets.take(principal.id, limit, this.clock.now());
    if (taken.allowed) return;
    throw new GatewayError(
      'RATE_LIMITED',
      `${principal.name} is over its rate limit of ${limit.perSecond} requests per second (bursts of ${limit.burst}); retry in ${taken.retryAfterMs} ms`,
      { retriable: true, details: { retryAfterMs: taken.retryAfterMs } },
    );
  }

  /** Refuses, with the reason, unless `principal` may do `operation` to the stream or view. */
  checkData(principal: Principal, resourceType: ResourceType, resource: string, operation: DataOperation, origin: Origin): void {
    const decision = authorizeData(principal, resourceType, resource, operation, this.controlPlane.acls().values());
    if (!decision.allowed) this.refused(principal.name, origin, operation, `${resourceType.toLowerCase()}:${resource}`, new GatewayError('FORBIDDEN', decision.reason));
  }

  checkControl(principal: Principal, operation: ControlOperation, origin: Origin): void {
    const decision = authorizeControl(principal, operation);
    if (!decision.allowed) this.refused(principal.name, origin, operation, 'gateway', new GatewayError('FORBIDDEN', decision.reason));
  }

  /**
   * On the first start that requires keys, when no live admin key exists yet: makes one and returns
   * its token, to be shown once. Undefined when an admin key already exists.
   */
  async bootstrapAdminKey(given?: string): Promise<string | undefined> {
    if (given) {
      // A deployment's own admin key (e.g. from a secret store): known by every instance, printed by none.
      const parsed = parseApiKey(given);
      if (!parsed) throw new Error('TRIBUTARY_BOOTSTRAP_ADMIN_KEY: must be a key of the form trb_<12 characters>_<43 characters>, such as createApiKey makes');
      if (this.controlPlane.keys().has(parsed.id)) return undefined;
      const key: ApiKeyRecord = { id: parsed.id, name: 'admin', roles: ['admin'], hash: hashSecret(parsed.secret), createdAt: this.clock.now(), createdBy: SYSTEM.name };
      await this.controlPlane.submit({ type: 'CreateApiKey', key, at: key.createdAt, actor: SYSTEM.name });
      return undefined;
    }
    const live = [...this.controlPlane.keys().values()].filter((key) => this.lapse(key) === undefined && key.roles.includes('admin'));
    if (live.length > 0) return undefined;
    return (await this.createKey({ name: 'admin', roles: ['admin'] }, SYSTEM, AT_START)).token;
  }

  /** Makes a key; the token is returned here and never again. */
  async createKey(input: { name: string; roles: readonly string[]; expiresAt?: number }, actor: Principal, origin: Origin): Promise<{ token: string; key: ApiKeyRecord }> {
    this.checkControl(actor, 'manage_keys', origin);
    if (!KEY_NAME.test(input.name)) throw new GatewayError('BAD_USER_INPUT', `name must be 1-64 letters, digits and . _ : -; got ${JSON.stringify(input.name)}`, { path: 'name' });
    const roles = checkRoles(input.roles);
    if (input.expiresAt !== undefined && input.expiresAt <= this.clock.now()) throw new GatewayError('BAD_USER_INPUT', 'expiresAt must be in the future', { path: 'expiresAt' });
    const made = newApiKey();
    const key: ApiKeyRecord = { id: made.id, name: input.name, roles, hash: made.hash, createdAt: this.clock.now(), createdBy: actor.name, ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}) };
    const outcome = await this.controlPlane.submit({ type: 'CreateApiKey', key, at: key.createdAt, actor: actor.name });
    if (!(outcome.ok && outcome.type === 'ApiKeyCreated')) throw new GatewayError('INTERNAL', `API key was not created: ${outcome.type}`);
    return { token: made.token, key };
  }

  async revokeKey(id: string, reason: string, actor: Principal, origin: Origin): Promise<ApiKeyRecord> {
    this.checkControl(actor, 'manage_keys', origin);
    const outcome = await this.controlPlane.submit({ type: 'RevokeApiKey', id, reason, at: this.clock.now(), actor: actor.name });
    if (outcome.ok && outcome.type === 'ApiKeyRevoked') return outcome.key;
    throw new GatewayError('NOT_FOUND', outcome.ok ? `unexpected outcome ${outcome.type}` : (outcome as { message: string }).message, { path: 'id' });
  }

  /** A new key with the old one's name, roles and expiry; the old one is revoked. */
  async rotateKey(id: string, actor: Principal, origin: Origin): Promise<{ token: string; key: ApiKeyRecord }> {
    this.checkControl(actor, 'manage_keys', origin);
    const old = this.controlPlane.keys().get(id);
    if (!old || old.revokedAt !== undefined) throw new GatewayError('NOT_FOUND', `no live API key with id ${id}`, { path: 'id' });
    const made = await this.createKey({ name: old.name, roles: old.roles, expiresAt: old.expiresAt }, actor, origin);
    await this.revokeKey(id, `rotated to ${made.key.id}`, actor, origin);
    return made;
  }

  keyRecord(id: string): ApiKeyRecord | undefined {
    return this.controlPlane.keys().get(id);
  }

  keys(actor: Principal, origin: Origin): ApiKeyRecord[] {
    this.checkControl(actor, 'manage_keys', origin);
    return [...this.controlPlane.keys().values()];
  }

  async putAcl(input: Omit<AclRule, 'id'>, reason: string, actor: Principal, origin: Origin): Promise<AclRule> {
    this.checkControl(actor, 'manage_acls', origin);
    const rule: AclRule = { ...input, id: `acl-${randomBytes(6).toString('hex')}` };
    const outcome = await this.controlPlane.submit({ type: 'PutAcl', rule, reason, at: this.clock.now(), actor: actor.name });
    if (!(outcome.ok && outcome.type === 'AclPut')) throw new GatewayError('INTERNAL', `ACL was not stored: ${outcome.type}`);
    return rule;
  }

  async removeAcl(id: string, reason: string, actor: Principal, origin: Origin): Promise<AclRule> {
    this.checkControl(actor, 'manage_acls', origin);
    const outcome = await this.controlPlane.submit({ type: 'RemoveAcl', id, reason, at: this.clock.now(), actor: actor.name });
    if (outcome.ok && outcome.type === 'AclRemoved') return outcome.rule;
    throw new GatewayError('NOT_FOUND', `no ACL with id ${id}`, { path: 'id' });
  }

  acls(actor: Principal, origin: Origin): AclRule[] {
    this.checkControl(actor, 'manage_acls', origin);
    return [...this.controlPlane.acls().values()];
  }

  /** Records the refusal for the audit trail, then throws it. */
  private refused(actor: string, origin: Origin, operation: string, resource: string, error: GatewayError): never {
    this.refusals?.record({ at: this.clock.now(), actor, ...origin, operation, resource, result: error.code as RefusalResult, reason: error.message });
    throw error;
  }

  /** Why a key no longer opens anything (revoked, expired), or undefined while it does. */
  private lapse(key: ApiKeyRecord): string | undefined {
    if (key.revokedAt !== undefined) return `API key "${key.name}" was revoked`;
    if (key.expiresAt !== undefined && key.expiresAt <= this.clock.now()) return `API key "${key.name}" expired at ${new Date(key.expiresAt).toISOString()}`;
    return undefined;
  }
}

/** Who a refused credential claimed to be, without any of its secret: "key:<id>", "jwt", "anonymous", or "unreadable credential". */
function claimedBy(token: string | undefined): string {
  if (token === undefined) return 'anonymous';
  if (JwtVerifier.looksLikeJwt(token)) return 'jwt';
  const parsed = parseApiKey(token);
  return parsed ? `key:${parsed.id}` : 'unreadable credential';
}

function checkRoles(roles: readonly string[]): Role[] {
  if (roles.length === 0) throw new GatewayError('BAD_USER_INPUT', `a key needs at least one role of ${ROLES.join(', ')}`, { path: 'roles' });
  for (const role of roles) {
    if (!(ROLES as readonly string[]).includes(role)) throw new GatewayError('BAD_USER_INPUT', `unknown role ${JSON.stringify(role)}; roles are ${ROLES.join(', ')}`, { path: 'roles' });
  }
  return [...new Set(roles)] as Role[];
}
