// Rate limits per principal: a token bucket each, refilled at the rate its role allows and holding
// at most a burst. Pure: time comes from the caller, so the arithmetic is testable to the millisecond.

import type { Principal, Role } from './authorization';

export interface RateLimit {
  /** Requests per second, on average. */
  perSecond: number;
  /** Requests allowed at once after a quiet spell. */
  burst: number;
}

/** Limits by role; a role missing from the map is not limited. */
export type RateLimits = Partial<Record<Role, RateLimit>>;

/** "producer=200:400,consumer=50:100": per role, requests per second and burst. */
export function parseRateLimits(text: string): RateLimits {
  const limits: RateLimits = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(admin|producer|consumer|steward|auditor)=(\d+(?:\.\d+)?):(\d+)$/.exec(part);
    if (!match) throw new Error(`"${part}" is not <role>=<requests per second>:<burst>, e.g. producer=200:400`);
    const [, role, perSecond, burst] = match;
    if (Number(perSecond) <= 0 || Number(burst) < 1) throw new Error(`"${part}": the rate must be above 0 and the burst at least 1`);
    limits[role as Role] = { perSecond: Number(perSecond), burst: Number(burst) };
  }
  return limits;
}

/** The most generous limit among a principal's roles; undefined when one of them is unlimited. */
export function limitFor(principal: Principal, limits: RateLimits): RateLimit | undefined {
  let best: RateLimit | undefined;
  for (const role of principal.roles) {
    const limit = limits[role];
    if (!limit) return undefined;
    if (!best || limit.perSecond > best.perSecond) best = limit;
  }
  return principal.roles.length === 0 ? undefined : best;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets for the principals seen lately; the longest unused ones are forgotten past `maxBuckets`. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxBuckets = 100_000) {}

  /** Takes one token at `now`; when none is left, says how long until one will be. */
  take(key: string, limit: RateLimit, now: number): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    this.buckets.delete(key); // re-inserted below: most recently used last
    const tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond);
    if (tokens >= 1) {
      this.remember(key, { tokens: tokens - 1, at: now });
      return { allowed: true };
    }
    this.remember(key, { tokens, at: now });
    return { allowed: false, retryAfterMs: Math.ceil(((1 - tokens) / limit.perSecond) * 1000) };
  }

  private remember(key: string, bucket: Bucket): void {
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxBuckets) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
