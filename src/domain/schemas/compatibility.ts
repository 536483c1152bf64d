// Compatibility modes as Confluent's registry defines them. BACKWARD: the new schema reads data
// written with the previous version (consumers upgrade first). FORWARD: the previous version reads
// data written with the new one (producers upgrade first). FULL: both. The _TRANSITIVE modes check
// every earlier version instead of the latest only; NONE checks nothing.

import { avroIncompatibilities } from './avro-compatibility';
import { describe, type Incompatibility } from './incompatibility';
import { jsonIncompatibilities } from './json-compatibility';
import type { ParsedSchema } from './schema-text';

export const COMPATIBILITY_MODES = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityMode = (typeof COMPATIBILITY_MODES)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityMode = 'BACKWARD';

export function isCompatibilityMode(value: unknown): value is CompatibilityMode {
  return (COMPATIBILITY_MODES as readonly unknown[]).includes(value);
}

export interface VersionedSchema {
  version: number;
  schema: ParsedSchema;
}

export interface CompatibilityIssue extends Incompatibility {
  /** BACKWARD: the new schema cannot read the version's data; FORWARD: the version cannot read the new schema's. */
  direction: 'BACKWARD' | 'FORWARD';
  /** The earlier version the new schema was checked against. */
  version: number;
  /** The whole finding in words, e.g. "BACKWARD against version 2: READER_FIELD_MISSING_DEFAULT at /fields/1: ...". */
  description: string;
}

/** The versions `mode` checks a new schema against, given every live version oldest first. */
export function versionsToCheck(mode: CompatibilityMode, versions: readonly VersionedSchema[]): readonly VersionedSchema[] {
  if (mode === 'NONE' || versions.length === 0) return [];
  return mode.endsWith('_TRANSITIVE') ? versions : versions.slice(-1);
}

/** Every way `candidate` breaks `mode` against `versions` (oldest first); empty when it is compatible. */
export function compatibilityIssues(mode: CompatibilityMode, candidate: ParsedSchema, versions: readonly VersionedSchema[]): CompatibilityIssue[] {
  const backward = mode.startsWith('BACKWARD') || mode.startsWith('FULL');
  const forward = mode.startsWith('FORWARD') || mode.startsWith('FULL');
  const issues: CompatibilityIssue[] = [];
  // Newest first: the version most likely to matter is reported first.
  for (const { version, schema } of [...versionsToCheck(mode, versions)].reverse()) {
    const old = `version ${version}`;
    if (backward) {
      for (const problem of incompatibilities(candidate, schema)) {
        issues.push({ ...problem, direction: 'BACKWARD', version, description: `BACKWARD against ${old}: ${describe(problem, { reader: 'the new schema', writer: old })}` });
      }
    }
    if (forward) {
      for (const problem of incompatibilities(schema, candidate)) {
        issues.push({ ...problem, direction: 'FORWARD', version, description: `FORWARD against ${old}: ${describe(problem, { reader: old, writer: 'the new schema' })}` });
      }
    }
  }
  return issues;
}

/** Every reason `reader` cannot read what `writer` allows; both of one schema type. */
export function incompatibilities(reader: ParsedSchema, writer: ParsedSchema): Incompatibility[] {
  if (reader.schemaType === 'AVRO' && writer.schemaType === 'AVRO') return avroIncompatibilities(reader.avro, writer.avro);
  if (reader.schemaType === 'JSON' && writer.schemaType === 'JSON') return jsonIncompatibilities(reader.json, writer.json);
  return [{ rule: 'SCHEMA_TYPE_CHANGED', path: '', message: `{reader} is ${reader.schemaType} where {writer} is ${writer.schemaType}` }];
}
