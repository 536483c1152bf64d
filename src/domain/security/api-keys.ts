// API keys: "trb_<id>_<secret>". The id finds the key's record; only a SHA-256 hash of the secret is
// ever stored (the secret has 256 bits of entropy, so a slow password hash would add nothing), and
// the secret is shown once, when the key is made.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'trb';
const TOKEN = /^trb_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  id: string;
  /** The whole key to hand to its owner, once. */
  token: string;
  /** What is stored. */
  hash: string;
}

export function newApiKey(): NewApiKey {
  const id = randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${PREFIX}_${id}_${secret}`, hash: hashSecret(secret) };
}

/** The id and secret of a well-formed key, or undefined. */
export function parseApiKey(token: string): { id: string; secret: string } | undefined {
  const match = TOKEN.exec(token);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `secret` is the one behind `hash`, in time that does not depend on where they differ. */
export function secretMatches(secret: string, hash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(hash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
