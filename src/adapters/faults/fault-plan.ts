// Which failures to inject, and where: the faults an operator (or a drill) has asked for, each
// naming a port, an operation of it (or every one), a kind, a probability and how long it lasts.
// Pure: the caller supplies the time and the dice, so a test can say exactly what happens.

import { GatewayError } from '../../errors/gateway-error';

/** Every port a fault can be put on, with the operations it has. */
export const FAULT_PORTS = {
  eventLog: ['append', 'read', 'endOffset', 'partitionCount', 'createTopic', 'topics', 'consume'],
  aggregates: ['migrate', 'upsert', 'query', 'recordLate', 'lateEvents'],
  checkpoints: ['load', 'save'],
  lineage: ['upsert', 'node', 'traverse'],
  live: ['publish', 'subscribe'],
} as const;

export type FaultPort = keyof typeof FAULT_PORTS;

export const FAULT_KINDS = ['LATENCY', 'ERROR', 'OUTAGE', 'PARTIAL_WRITE', 'CORRUPT'] as const;
/**
 * LATENCY: the operation waits `latencyMs`, then runs. ERROR: it fails with a retriable
 * STORAGE_UNAVAILABLE. OUTAGE: every operation of the port fails, always. PARTIAL_WRITE: a write of
 * several items stores the first half, then fails. CORRUPT: values written (append) or delivered
 * (read, consume) are replaced by bytes no reader understands. On the event log, PARTIAL_WRITE and
 * CORRUPT touch only streams' event topics: the control plane, quarantine and repartition topics are
 * Tributary's own bookkeeping, and corrupting them would outlast the drill.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Operations that write a list of items, where a partial write means something. */
const PARTIAL_WRITES: Partial<Record<FaultPort, readonly string[]>> = { eventLog: ['append'], aggregates: ['upsert', 'recordLate'], lineage: ['upsert'] };
/** Operations that carry event values one could corrupt. */
const CORRUPTIBLE: Partial<Record<FaultPort, readonly string[]>> = { eventLog: ['append', 'read', 'consume'] };

export interface FaultSpec {
  port: FaultPort;
  /** One operation of the port, or "*" for all of them. */
  operation: string;
  kind: FaultKind;
  /** Chance each matching call is hit, 0 < p <= 1. */
  probability: number;
  /** For LATENCY. */
  latencyMs?: number;
  /** How long the fault lasts; until cleared when absent. */
  durationMs?: number;
}

export interface Fault extends Required<Omit<FaultSpec, 'durationMs' | 'latencyMs'>> {
  id: string;
  latencyMs: number;
  createdAt: number;
  /** When it stops by itself (epoch ms), or null. */
  until: number | null;
  createdBy: string;
  /** Calls it has hit so far. */
  hits: number;
}

const MAX_LATENCY_MS = 600_000;
const MAX_FAULTS = 100;

export class FaultPlan {
  private readonly faults = new Map<string, Fault>();
  private nextId = 1;

  /** Adds a fault, after checking it names a real port and operation and makes sense there. */
  add(spec: FaultSpec, now: number, createdBy: string): Fault {
    const operations = FAULT_PORTS[spec.port] as readonly string[] | undefined;
    const bad = (path: string, message: string) => new GatewayError('BAD_USER_INPUT', message, { path });
    if (!operations) throw bad('port', `port must be one of ${Object.keys(FAULT_PORTS).join(', ')}; got ${JSON.stringify(spec.port)}`);
    const operation = spec.kind === 'OUTAGE' ? '*' : spec.operation;
    if (operation !== '*' && !operations.includes(operation)) {
      throw bad('operation', `operation must be "*" or one of ${spec.port}'s: ${operations.join(', ')}; got ${JSON.stringify(spec.operation)}`);
    }
    if (!FAULT_KINDS.includes(spec.kind)) throw bad('kind', `kind must be one of ${FAULT_KINDS.join(', ')}`);
    const probability = spec.kind === 'OUTAGE' ? 1 : spec.probability;
    if (!(probability > 0 && probability <= 1)) throw bad('probability', `probability must be above 0 and at most 1; got ${spec.probability}`);
    const latencyMs = spec.latencyMs ?? 0;
    if (spec.kind === 'LATENCY' && !(Number.isInteger(latencyMs) && latencyMs > 0 && latencyMs <= MAX_LATENCY_MS)) {
      throw bad('latency', `a LATENCY fault needs a latency from 1 ms to 10 minutes; got ${latencyMs} ms`);
    }
    for (const [kind, allowed] of [['PARTIAL_WRITE', PARTIAL_WRITES], ['CORRUPT', CORRUPTIBLE]] as const) {
      const where = allowed[spec.port] ?? [];
      if (spec.kind === kind && (operation === '*' ? where.length === 0 : !where.includes(operation))) {
        throw bad('operation', `${kind} applies to ${where.length ? `${spec.port}.${where.join(`, ${spec.port}.`)}` : 'no operation of this port'}; got ${spec.port}.${operation}`);
      }
    }
    if (spec.durationMs !== undefined && !(Number.isInteger(spec.durationMs) && spec.durationMs > 0)) throw bad('duration', 'duration must be a positive duration such as "30s"');
    this.expire(now);
    if (this.faults.size >= MAX_FAULTS) throw new GatewayError('BAD_USER_INPUT', `at most ${MAX_FAULTS} faults may be active at once; clear some first`);
    const fault: Fault = {
      id: `fault-${this.nextId++}`,
      port: spec.port,
      operation,
      kind: spec.kind,
      probability,
      latencyMs,
      createdAt: now,
      until: spec.durationMs === undefined ? null : now + spec.durationMs,
      createdBy,
      hits: 0,
    };
    this.faults.set(fault.id, fault);
    return fault;
  }

  /** Ends a fault; undefined when there is no such active fault. */
  clear(id: string): Fault | undefined {
    const fault = this.faults.get(id);
    this.faults.delete(id);
    return fault;
  }

  clearAll(): Fault[] {
    const all = [...this.faults.values()];
    this.faults.clear();
    return all;
  }

  /** The faults still active at `now`, oldest first. */
  active(now: number): Fault[] {
    this.expire(now);
    return [...this.faults.values()];
  }

  /**
   * The fault that hits this call, if any: the first active one on the port and operation, not of a
   * `spared` kind, whose roll of `random()` (uniform in [0, 1)) falls under its probability. Counts the hit.
   */
  hit(port: FaultPort, operation: string, now: number, random: () => number, spared: readonly FaultKind[] = []): Fault | undefined {
    if (this.faults.size === 0) return undefined;
    this.expire(now);
    for (const fault of this.faults.values()) {
      if (fault.port !== port || (fault.operation !== '*' && fault.operation !== operation)) continue;
      if (spared.includes(fault.kind)) continue;
      if (fault.kind === 'PARTIAL_WRITE' && !(PARTIAL_WRITES[port] ?? []).includes(operation)) continue;
      if (fault.kind === 'CORRUPT' && !(CORRUPTIBLE[port] ?? []).includes(operation)) continue;
      if (random() >= fault.probability) continue;
      fault.hits += 1;
      return fault;
    }
    return undefined;
  }

  private expire(now: number): void {
    for (const [id, fault] of this.faults) if (fault.until !== null && fault.until <= now) this.faults.delete(id);
  }
}

/** The error an injected ERROR, OUTAGE or PARTIAL_WRITE fault raises: what a real outage raises. */
export function injectedError(fault: Fault, port: FaultPort, operation: string): GatewayError {
  return new GatewayError('STORAGE_UNAVAILABLE', `injected fault ${fault.id} (${fault.kind}) on ${port}.${operation}`, { retriable: true });
}
