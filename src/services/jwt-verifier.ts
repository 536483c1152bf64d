// JWT bearer tokens (`jose`): an HS256 shared secret, or RS/ES keys from a JWKS URL or file. The
// algorithm is pinned by the key kind, so `alg: none` or an HS/RS confusion never verifies; issuer
// and audience are checked when configured; roles come from one claim. Results are cached until the
// token expires, so a busy client costs one verification per token.

import { readFileSync } from 'node:fs';
import { ROLES, type Principal, type Role } from '../domain/security/authorization';
import { GatewayError } from '../errors/gateway-error';

export interface JwtSettings {
  jwtSecret: string;
  jwtJwksUrl: string;
  jwtJwksFile: string;
  jwtIssuer: string;
  jwtAudience: string;
  jwtRolesClaim: string;
}

const CACHED = 10_000;

// jose is an ES module; this CommonJS build loads it on first use.
type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
type JWTPayload = Awaited<ReturnType<Jose['jwtVerify']>>['payload'];
type VerifyKey = Parameters<Jose['jwtVerify']>[1];
const loadJose = (): Promise<Jose> => import('jose');

export class JwtVerifier {
  private readonly cache = new Map<string, Principal>();

  private constructor(
    private readonly jose: Jose,
    private readonly key: VerifyKey,
    private readonly algorithms: string[],
    private readonly settings: JwtSettings,
  ) {}

  /** A verifier for the configured key, or undefined when JWTs are not configured. */
  static async fromSettings(settings: JwtSettings): Promise<JwtVerifier | undefined> {
    if (!settings.jwtSecret && !settings.jwtJwksUrl && !settings.jwtJwksFile) return undefined;
    const jose = await loadJose();
    if (settings.jwtSecret) return new JwtVerifier(jose, new TextEncoder().encode(settings.jwtSecret), ['HS256'], settings);
    const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'ES512', 'EdDSA'];
    if (settings.jwtJwksUrl) return new JwtVerifier(jose, jose.createRemoteJWKSet(new URL(settings.jwtJwksUrl)), asymmetric, settings);
    if (settings.jwtJwksFile) {
      let jwks: unknown;
      try {
        jwks = JSON.parse(readFileSync(settings.jwtJwksFile, 'utf8'));
      } catch (error) {
        throw new Error(`TRIBUTARY_JWT_JWKS_FILE: cannot read a JWKS from ${settings.jwtJwksFile}: ${(error as Error).message}`);
      }
      return new JwtVerifier(jose, jose.createLocalJWKSet(jwks as Parameters<Jose['createLocalJWKSet']>[0]), asymmetric, settings);
    }
    return undefined;
  }

  /** Whether a token looks like a JWT (three base64url parts), as opposed to an API key. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }

  async verify(token: string, now: number): Promise<Principal> {
    const cached = this.cache.get(token);
    if (cached && (cached.expiresAt === undefined || cached.expiresAt > now)) return cached;
    let payload: JWTPayload;
    try {
      ({ payload } = await this.jose.jwtVerify(token, this.key as Uint8Array, {
        algorithms: this.algorithms,
        ...(this.settings.jwtIssuer ? { issuer: this.settings.jwtIssuer } : {}),
        ...(this.settings.jwtAudience ? { audience: this.settings.jwtAudience } : {}),
        currentDate: new Date(now),
      }));
    } catch (error) {
      throw new GatewayError('UNAUTHENTICATED', `the bearer token was refused: ${(error as Error).message}`);
    }
    if (!payload.sub) throw new GatewayError('UNAUTHENTICATED', 'the bearer token has no subject (sub)');
    const principal: Principal = { id: `jwt:${payload.sub}`, name: payload.sub, roles: rolesOf(payload[this.settings.jwtRolesClaim]), ...(payload.exp ? { expiresAt: payload.exp * 1000 } : {}) };
    if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(token, principal);
    return principal;
  }
}

/** Known roles from a claim: an array of names, or one space-separated string; others are ignored. */
function rolesOf(claim: unknown): Role[] {
  const names = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  return [...new Set(names.filter((name): name is Role => (ROLES as readonly unknown[]).includes(name)))];
}
