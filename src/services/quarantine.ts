// Rejected events are never dropped: each goes to its stream's quarantine topic with the reason,
// where users can query it (the dead-letter topic in Kafka terms).

import type { QuarantinedEvent } from '../domain/envelope';
import { quarantineTopic } from '../domain/topics';
import type { EventLog } from '../ports/event-log';

export const MAX_QUARANTINE_PAGE = 1_000;

export interface QuarantineEntry extends QuarantinedEvent {
  offset: number;
}

export class Quarantine {
  constructor(private readonly log: EventLog) {}

  /** Durably keeps the rejected events of one stream; resolves once they are stored. */
  async add(stream: string, events: readonly QuarantinedEvent[]): Promise<void> {
    if (events.length > 0) await this.log.append(quarantineTopic(stream), events);
  }

  /** The newest quarantined events of a stream, newest first. */
  async list(stream: string, limit: number): Promise<QuarantineEntry[]> {
    const count = Math.max(0, Math.min(limit, MAX_QUARANTINE_PAGE));
    const topic = quarantineTopic(stream);
    const end = await this.log.endOffset(topic);
    const from = Math.max(0, end - count);
    const records = await this.log.read<QuarantinedEvent>(topic, from, count);
    return records.map(({ offset, value }) => ({ ...value, offset })).reverse();
  }

  async count(stream: string): Promise<number> {
    return this.log.endOffset(quarantineTopic(stream));
  }
}
