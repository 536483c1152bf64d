// What makes a repeated event recognizable (Envelope.dedupKey): its own id, read from the stream's
// eventIdField, or the producer's idempotency key for the batch and its place in it. Ingest and the
// processor both use these rules, so events another writer put straight into the log are known by
// their id as well.

import { compileFieldPath, readPath, type FieldPath } from './event-fields';

export const MAX_EVENT_ID_LENGTH = 256;

export type EventIdReading = { key: string } | { absent: true } | { problem: string };

export class DedupKeys {
  private readonly idPath: FieldPath | undefined;

  constructor(private readonly eventIdField: string | null | undefined) {
    this.idPath = eventIdField ? compileFieldPath(eventIdField) : undefined;
  }

  /**
   * The event's id as a dedup key ("id:" and the id as JSON, so 1 and "1" differ), absent when the
   * stream names no id field or the event leaves it out (or null), or the rule the id breaks.
   */
  idOf(payload: Record<string, unknown>): EventIdReading {
    if (!this.idPath) return { absent: true };
    const id = readPath(payload, this.idPath);
    if (id === undefined || id === null) return { absent: true };
    if (typeof id === 'number' ? !Number.isFinite(id) : typeof id !== 'string' || id.length === 0) {
      return { problem: `${this.eventIdField} is the stream's event id field, so it must be a non-empty string or a finite number; got ${JSON.stringify(id) ?? typeof id}` };
    }
    const key = `id:${JSON.stringify(id)}`;
    if (key.length > MAX_EVENT_ID_LENGTH) return { problem: `${this.eventIdField} is the stream's event id field, so it may be at most ${MAX_EVENT_ID_LENGTH - 5} characters` };
    return { key };
  }

  /** The dedup key of the event a processor reads: its own id when it has a valid one, else the batch key ingest gave it. */
  keyOf(payload: Record<string, unknown>, envelopeKey: string | undefined): string | undefined {
    const id = this.idOf(payload);
    if ('key' in id) return id.key;
    return envelopeKey?.startsWith('batch:') ? envelopeKey : undefined;
  }

  /** A batch event's key: the idempotency key counts per producer, so two producers' "batch-1" differ. */
  static batch(producer: string, idempotencyKey: string, index: number): string {
    return `batch:${producer}/${idempotencyKey}/${index}`;
  }
}
