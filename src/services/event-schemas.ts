// Events against their schemas: which schema version governs a stream's events (subject
// "<stream>-value"), the compiled validator and wire-format decoder of each version (built once per
// schema id), and the check the processor makes again on logged events. The registry holds the
// schemas; this is what ingest and the processor ask of it on their hot paths.

import { eventValidator, type EventValidator, type SchemaViolation } from '../domain/schemas/event-validator';
import { liveSubject, liveVersions, versionState, type SubjectVersion } from '../domain/schemas/registry';
import { wireBodyDecoder, type WireBodyDecoder } from '../domain/schemas/wire-format';
import { GatewayError } from '../errors/gateway-error';
import type { ControlPlane } from './control-plane';
import type { SchemaRegistry } from './schema-registry';

/** The schema version a stream's events are checked against. */
export interface GoverningSchema {
  subject: string;
  id: number;
  version: number;
  /** Still accepted, but its producers should move on: ingest answers with a warning. */
  deprecated: boolean;
  validate: EventValidator;
  /** Turns the body of a wire-format message written with this version into the event. */
  decode: WireBodyDecoder;
}

/** The subject that holds a stream's event schemas (Confluent's TopicNameStrategy for values). */
export function valueSubject(stream: string): string {
  return `${stream}-value`;
}

export class EventSchemas {
  private readonly compiled = new Map<number, { validate: EventValidator; decode: WireBodyDecoder }>();

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly registry: SchemaRegistry,
  ) {}

  /**
   * The version that governs a stream's events: the one the producer names, else the latest live
   * version of the stream's subject that is not ARCHIVED. Undefined while that subject has no
   * schema. An ARCHIVED version named, or a subject whose versions are all ARCHIVED, is refused.
   */
  governing(stream: string, version?: number): GoverningSchema | undefined {
    const subject = valueSubject(stream);
    const live = liveVersions(liveSubject(this.controlPlane.registry(), subject));
    if (version === undefined && live.length === 0) return undefined;
    let found: SubjectVersion | undefined;
    if (version === undefined) {
      found = live.filter((v) => versionState(v) !== 'ARCHIVED').at(-1);
    } else {
      const named = this.registry.version(subject, version).version; // refuses a version that does not exist
      found = live.find((v) => v.version === named);
    }
    if (!found) {
      throw new GatewayError('SCHEMA_ARCHIVED', `every version of ${subject} is ARCHIVED: events can no longer be written; register or re-activate a version`, { path: 'schemaVersion' });
    }
    return this.governingVersion(subject, found);
  }

  /** The version of the stream's subject that holds schema `id` (as a wire-format message names it). */
  governingById(stream: string, id: number): GoverningSchema {
    const subject = valueSubject(stream);
    const found = liveVersions(this.controlPlane.registry().subjects.get(subject)).findLast((v) => v.id === id);
    if (!found) throw new GatewayError('SCHEMA_VIOLATION', `names schema id ${id}, which is not a version of ${subject}`, { path: 'schemaId' });
    return this.governingVersion(subject, found);
  }

  /**
   * The violations of an event under schema `id`, for events checked again after ingest (the
   * processor); undefined when no schema has that id.
   */
  violations(id: number, event: unknown): SchemaViolation[] | undefined {
    if (!this.controlPlane.registry().schemas.has(id)) return undefined;
    return this.compiledSchema(id).validate(event);
  }

  private compiledSchema(id: number): { validate: EventValidator; decode: WireBodyDecoder } {
    let compiled = this.compiled.get(id);
    if (!compiled) {
      const parsed = this.registry.parsedSchema(id);
      compiled = { validate: eventValidator(parsed), decode: wireBodyDecoder(parsed) };
      this.compiled.set(id, compiled);
    }
    return compiled;
  }

  private governingVersion(subject: string, found: SubjectVersion): GoverningSchema {
    if (versionState(found) === 'ARCHIVED') {
      throw new GatewayError('SCHEMA_ARCHIVED', `version ${found.version} of ${subject} is ARCHIVED: events can no longer be written with it; use a newer version`, { path: 'schemaVersion' });
    }
    return { subject, id: found.id, version: found.version, deprecated: versionState(found) === 'DEPRECATED', ...this.compiledSchema(found.id) };
  }
}
