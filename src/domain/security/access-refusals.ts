// Refused requests, tallied for the audit trail. A flood of bad keys must not become a flood of
// control-plane commands, so refusals alike (same claimed principal, source, entry point, operation,
// resource and result) are counted together between flushes, and a flush itemizes a bounded number
// of kinds; refusals of further kinds become one summary entry that still counts every one of them.

import type { AuditRecord } from '../audit';

export type RefusalResult = 'UNAUTHENTICATED' | 'FORBIDDEN';

export interface Refusal {
  at: number;
  /** Who the request claimed to be: "key:<id>", "jwt", "anonymous", or an authenticated principal's name. */
  actor: string;
  /** The client's address. */
  source: string;
  /** How the request reached the gateway: "POST /graphql", "graphql-ws", "GET /audit.ndjson", … */
  via: string;
  /** What was tried: "authenticate", a data operation ("produce") or a control one ("manage_keys"). */
  operation: string;
  /** What it was tried on: "stream:<name>", "view:<name>", or "gateway". */
  resource: string;
  result: RefusalResult;
  /** Why, as the caller was told; never the credential itself. */
  reason: string;
}

export const NOT_ITEMIZED = 'ACCESS_REFUSALS_NOT_ITEMIZED';

type Tallied = AuditRecord & { count: number; lastAt: number };

export function refusalRecord(refusal: Refusal): Tallied {
  return {
    at: refusal.at,
    lastAt: refusal.at,
    count: 1,
    actor: refusal.actor,
    action: refusal.result === 'UNAUTHENTICATED' ? 'AUTHENTICATION_FAILED' : 'AUTHORIZATION_FAILED',
    resource: refusal.resource,
    source: refusal.source,
    via: refusal.via,
    operation: refusal.operation,
    result: refusal.result,
    detail: refusal.reason,
  };
}

export class RefusalTally {
  private readonly alike = new Map<string, Tallied>();
  private unitemized: Tallied | undefined;

  /** @param maxItemized how many distinct kinds of refusal one drain lists one by one */
  constructor(private readonly maxItemized: number) {}

  get empty(): boolean {
    return this.alike.size === 0 && this.unitemized === undefined;
  }

  add(refusal: Refusal): void {
    this.merge(refusalRecord(refusal));
  }

  /** Counts records drained earlier again (a flush that could not be written). */
  restore(records: readonly AuditRecord[]): void {
    for (const record of records) this.merge({ ...record, count: record.count ?? 1, lastAt: record.lastAt ?? record.at });
  }

  /** Every refusal counted since the last drain, as audit records, and forgets them. */
  drain(): AuditRecord[] {
    const records: AuditRecord[] = [...this.alike.values()];
    if (this.unitemized) {
      const rest = this.unitemized;
      records.push({ ...rest, detail: `${rest.count} further refusals, of kinds beyond the ${this.maxItemized} itemized in one period` });
    }
    this.alike.clear();
    this.unitemized = undefined;
    return records;
  }

  private merge(record: Tallied): void {
    const key = record.action === NOT_ITEMIZED ? undefined : JSON.stringify([record.actor, record.source, record.via, record.operation, record.resource, record.result]);
    const known = key === undefined ? undefined : this.alike.get(key);
    if (known) {
      known.count += record.count;
      known.at = Math.min(known.at, record.at);
      known.lastAt = Math.max(known.lastAt, record.lastAt);
    } else if (key !== undefined && this.alike.size < this.maxItemized) {
      this.alike.set(key, { ...record });
    } else if (this.unitemized) {
      this.unitemized.count += record.count;
      this.unitemized.at = Math.min(this.unitemized.at, record.at);
      this.unitemized.lastAt = Math.max(this.unitemized.lastAt, record.lastAt);
    } else {
      this.unitemized = { at: record.at, lastAt: record.lastAt, count: record.count, actor: '*', action: NOT_ITEMIZED, resource: 'gateway', detail: '' };
    }
  }
}
