// The stream guard: checks every record of a stream's log again, as it arrives, and quarantines
// those that break the stream's rules: a record without Tributary's envelope (written to the log by
// another route, e.g. a producer writing to Kafka directly), or an event that breaks the schema its
// envelope names. Views skip such records on their own; the guard makes sure each one is kept,
// with its reason, once per stream rather than once per view.
//
// The guard is a consumer group of its own (`guard.<stream>`) that commits after the quarantine
// write: after a crash in between, a record may be quarantined twice, never lost.

import { isLoggedEvent, type QuarantinedEvent } from '../domain/envelope';
import type { EventLog, GroupMember, LogBatch } from '../ports/event-log';
import type { Metrics } from '../observability/metrics';
import type { SchemaViolation } from '../domain/schemas/event-validator';

export interface EventSchemaCheck {
  /** The violations of an event under schema `id`; undefined when no schema has that id. */
  violations(id: number, event: unknown): SchemaViolation[] | undefined;
}

export interface GuardDeps {
  log: EventLog;
  schemas: EventSchemaCheck;
  quarantine: { add(stream: string, events: readonly QuarantinedEvent[]): Promise<void> };
  metrics: Metrics;
}

/** Why a logged record cannot be folded, or undefined when it can. */
export function recordProblem(schemas: EventSchemaCheck, value: unknown): Pick<QuarantinedEvent, 'code' | 'message' | 'path'> | undefined {
  if (!isLoggedEvent(value)) {
    return { code: 'NO_ENVELOPE', path: 'record', message: 'the record has no Tributary envelope (event id, event time): it reached the log without going through ingest' };
  }
  const id = value.envelope.schemaId;
  if (id === undefined) return undefined;
  const violations = schemas.violations(id, value.payload);
  if (violations === undefined) return { code: 'SCHEMA_VIOLATION', path: 'schemaId', message: `the envelope names schema id ${id}, which the registry does not have` };
  if (violations.length === 0) return undefined;
  return {
    code: 'SCHEMA_VIOLATION',
    path: `event${violations[0].path}`,
    message: `${violations.map((v) => `event${v.path} ${v.message}`).join('; ')}, under schema id ${id}`,
  };
}

export class StreamGuard implements GroupMember<unknown> {
  constructor(
    private readonly stream: string,
    private readonly deps: GuardDeps,
  ) {}

  assigned(): void {}

  async handle(batch: LogBatch<unknown>): Promise<number | undefined> {
    const refused: QuarantinedEvent[] = [];
    for (const { offset, value } of batch.records) {
      const problem = recordProblem(this.deps.schemas, value);
      if (!problem) continue;
      const envelope = isLoggedEvent(value) ? value.envelope : undefined;
      refused.push({
        stream: this.stream,
        index: offset,
        ...problem,
        message: `${problem.message} (log partition ${batch.partition}, offset ${offset})`,
        producer: envelope?.producer ?? 'unknown',
        traceId: envelope?.traceId ?? '',
        receivedAt: envelope?.receivedAt ?? 0,
        raw: isLoggedEvent(value) ? value.payload : value,
        truncated: false,
      });
      this.deps.metrics.processorQuarantined.inc({ stream: this.stream, code: problem.code });
    }
    await this.deps.quarantine.add(this.stream, refused);
    return batch.records[batch.records.length - 1].offset + 1;
  }
}
