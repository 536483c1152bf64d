// The audit trail of the control plane: one append-only list of every change, in log order, with
// who made it, when, what it was and why. Every instance rebuilds the same list from `_meta`.

export interface AuditEntry {
  /** 1, 2, 3, … in the order the changes were applied. */
  sequence: number;
  at: number;
  actor: string;
  /** What was done, e.g. CREATE_STREAM, REGISTER_SCHEMA, APPROVE_SCHEMA, SET_COMPATIBILITY. */
  action: string;
  /** What it was done to: "stream:<name>", "view:<name>", "subject:<name>", or "registry" for global settings. */
  resource: string;
  /** The schema version concerned, for registry changes that concern one. */
  version?: number;
  detail: string;
  /** Why, in the actor's words, when they gave a reason. */
  reason?: string;
  /**
   * Refused access only (AUTHENTICATION_FAILED, AUTHORIZATION_FAILED): where the requests came from,
   * how they reached the gateway ("POST /graphql", "graphql-ws", …), what they tried, what they got,
   * and how many alike were refused from `at` to `lastAt` (refusals are tallied, not logged one by one).
   */
  source?: string;
  via?: string;
  operation?: string;
  result?: string;
  count?: number;
  lastAt?: number;
}

export type AuditRecord = Omit<AuditEntry, 'sequence'>;

export function appendAudit(audit: AuditEntry[], record: AuditRecord): AuditEntry {
  const entry: AuditEntry = { sequence: audit.length + 1, ...record };
  audit.push(entry);
  return entry;
}

export interface AuditFilter {
  /** A resource ("stream:orders"), or a prefix of one ending in ":" ("subject:"). */
  resource?: string;
  actor?: string;
  action?: string;
  /** Only entries at or after this epoch ms (a tally of refusals: whose last one is). */
  since?: number;
  /** Only refusals with this result (UNAUTHENTICATED, FORBIDDEN), or APPLIED for changes. */
  result?: string;
  source?: string;
}

export function auditMatches(entry: AuditEntry, filter: AuditFilter): boolean {
  if (filter.resource !== undefined && !(filter.resource.endsWith(':') ? entry.resource.startsWith(filter.resource) : entry.resource === filter.resource)) return false;
  if (filter.actor !== undefined && entry.actor !== filter.actor) return false;
  if (filter.action !== undefined && entry.action !== filter.action) return false;
  if (filter.result !== undefined && resultOf(entry) !== filter.result) return false;
  if (filter.source !== undefined && entry.source !== filter.source) return false;
  return filter.since === undefined || (entry.lastAt ?? entry.at) >= filter.since;
}

/** What came of the entry: APPLIED for a change, the refusal's code for refused access. */
export function resultOf(entry: AuditEntry): string {
  return entry.result ?? 'APPLIED';
}
