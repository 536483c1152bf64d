// The schema registry as a deterministic state machine over control-plane commands, with the
// semantics of Confluent's registry: subjects hold numbered versions of schemas; a schema has one
// global id wherever it is registered, and ids are never reused, even after deletes; deletes are
// soft first and permanent only after that.
//
// Compatibility is checked by the instance that submits a registration, against the state at a
// known revision; applying the command only confirms that nothing changed since (else STALE, and
// the submitter checks again). So applying stays cheap and never depends on checker code.

import { DEFAULT_COMPATIBILITY, type CompatibilityMode } from './compatibility';
import type { SchemaType } from './schema-text';

export interface RegisteredSchema {
  id: number;
  schemaType: SchemaType;
  /** Minified schema document. */
  schema: string;
}

export interface SubjectVersion {
  version: number;
  id: number;
  /** Soft-deleted versions stay until deleted permanently; they are invisible unless asked for. */
  deleted: boolean;
  registeredAt: number;
  registeredBy: string;
}

export interface Subject {
  name: string;
  /** Oldest first, soft-deleted ones included. */
  versions: SubjectVersion[];
  compatibility: CompatibilityMode | null;
}

export interface RegistryState {
  /** Bumped by every applied registry change; registrations name the revision they were checked at. */
  revision: number;
  nextId: number;
  schemas: Map<number, RegisteredSchema>;
  idsByContent: Map<string, number>;
  subjects: Map<string, Subject>;
  compatibility: CompatibilityMode;
}

interface Change {
  at: number;
  actor: string;
}

export type RegistryCommand =
  | ({ type: 'RegisterSchema'; subject: string; schemaType: SchemaType; schema: string; basedOn: number } & Change)
  | ({ type: 'DeleteSubject'; subject: string; permanent: boolean } & Change)
  | ({ type: 'DeleteSchemaVersion'; subject: string; version: number; permanent: boolean } & Change)
  /** `subject` null: the global default; `compatibility` null: remove the subject's override. */
  | ({ type: 'SetCompatibility'; subject: string | null; compatibility: CompatibilityMode | null } & Change);

export type RegistryErrorCode =
  | 'STALE'
  | 'SUBJECT_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'SUBJECT_SOFT_DELETED'
  | 'SUBJECT_NOT_SOFT_DELETED'
  | 'VERSION_SOFT_DELETED'
  | 'VERSION_NOT_SOFT_DELETED'
  | 'SUBJECT_COMPATIBILITY_NOT_CONFIGURED';

export type RegistryOutcome =
  | { ok: true; type: 'SchemaRegistered'; subject: string; id: number; version: number; existing: boolean }
  | { ok: true; type: 'SubjectDeleted'; subject: string; versions: number[]; permanent: boolean }
  | { ok: true; type: 'SchemaVersionDeleted'; subject: string; version: number; permanent: boolean }
  | { ok: true; type: 'CompatibilitySet'; subject: string | null; compatibility: CompatibilityMode | null; previous: CompatibilityMode | null }
  | { ok: false; type: 'RegistryRefused'; code: RegistryErrorCode; message: string };

export function emptyRegistry(): RegistryState {
  return { revision: 0, nextId: 1, schemas: new Map(), idsByContent: new Map(), subjects: new Map(), compatibility: DEFAULT_COMPATIBILITY };
}

export function contentKey(schemaType: SchemaType, schema: string): string {
  return `${schemaType}\u0000${schema}`;
}

export function liveVersions(subject: Subject | undefined): SubjectVersion[] {
  return subject ? subject.versions.filter((v) => !v.deleted) : [];
}

/** The subject if it has a live version (a subject whose versions are all soft-deleted is gone). */
export function liveSubject(state: RegistryState, name: string): Subject | undefined {
  const subject = state.subjects.get(name);
  return subject && liveVersions(subject).length > 0 ? subject : undefined;
}

export function effectiveCompatibility(state: RegistryState, subject: string): CompatibilityMode {
  return state.subjects.get(subject)?.compatibility ?? state.compatibility;
}

/** The live version of `subject` holding exactly this schema, if any. */
export function findVersion(state: RegistryState, subject: string, schemaType: SchemaType, schema: string): SubjectVersion | undefined {
  const id = state.idsByContent.get(contentKey(schemaType, schema));
  return id === undefined ? undefined : liveVersions(state.subjects.get(subject)).find((v) => v.id === id);
}

/** Applies one command in place and says what happened. Never throws on a well-formed command. */
export function applyRegistryCommand(state: RegistryState, command: RegistryCommand): RegistryOutcome {
  const outcome = apply(state, command);
  if (outcome.ok && !(outcome.type === 'SchemaRegistered' && outcome.existing)) state.revision += 1;
  return outcome;
}

function apply(state: RegistryState, command: RegistryCommand): RegistryOutcome {
  switch (command.type) {
    case 'RegisterSchema': {
      const { subject: name, schemaType, schema } = command;
      const existing = findVersion(state, name, schemaType, schema);
      if (existing) return { ok: true, type: 'SchemaRegistered', subject: name, id: existing.id, version: existing.version, existing: true };
      if (command.basedOn !== state.revision) {
        return refused('STALE', `the registry changed (revision ${state.revision}) after the schema was checked at revision ${command.basedOn}`);
      }
      const key = contentKey(schemaType, schema);
      let id = state.idsByContent.get(key);
      if (id === undefined) {
        id = state.nextId++;
        state.schemas.set(id, { id, schemaType, schema });
        state.idsByContent.set(key, id);
      }
      let subject = state.subjects.get(name);
      if (!subject) {
        subject = { name, versions: [], compatibility: null };
        state.subjects.set(name, subject);
      }
      const version = (subject.versions.at(-1)?.version ?? 0) + 1;
      subject.versions.push({ version, id, deleted: false, registeredAt: command.at, registeredBy: command.actor });
      return { ok: true, type: 'SchemaRegistered', subject: name, id, version, existing: false };
    }
    case 'DeleteSubject': {
      const subject = state.subjects.get(command.subject);
      if (!subject || subject.versions.length === 0) return refused('SUBJECT_NOT_FOUND', `Subject '${command.subject}' not found.`);
      const live = liveVersions(subject);
      if (!command.permanent) {
        if (live.length === 0) return refused('SUBJECT_SOFT_DELETED', `Subject '${command.subject}' was soft deleted. Set permanent=true to delete permanently`);
        for (const version of live) version.deleted = true;
        return { ok: true, type: 'SubjectDeleted', subject: command.subject, versions: live.map((v) => v.version), permanent: false };
      }
      if (live.length > 0) {
        return refused('SUBJECT_NOT_SOFT_DELETED', `Subject '${command.subject}' was not deleted first before being permanently deleted`);
      }
      state.subjects.delete(command.subject);
      return { ok: true, type: 'SubjectDeleted', subject: command.subject, versions: subject.versions.map((v) => v.version), permanent: true };
    }
    case 'DeleteSchemaVersion': {
      const subject = state.subjects.get(command.subject);
      if (!subject || subject.versions.length === 0) return refused('SUBJECT_NOT_FOUND', `Subject '${command.subject}' not found.`);
      const index = subject.versions.findIndex((v) => v.version === command.version);
      if (index === -1) return refused('VERSION_NOT_FOUND', `Version ${command.version} not found.`);
      const version = subject.versions[index];
      if (!command.permanent) {
        if (version.deleted) {
          return refused('VERSION_SOFT_DELETED', `Subject '${command.subject}' Version ${command.version} was soft deleted. Set permanent=true to delete permanently`);
        }
        version.deleted = true;
      } else {
        if (!version.deleted) {
          return refused('VERSION_NOT_SOFT_DELETED', `Subject '${command.subject}' Version ${command.version} was not deleted first before being permanently deleted`);
        }
        subject.versions.splice(index, 1);
      }
      return { ok: true, type: 'SchemaVersionDeleted', subject: command.subject, version: command.version, permanent: command.permanent };
    }
    case 'SetCompatibility': {
      if (command.subject === null) {
        const previous = state.compatibility;
        state.compatibility = command.compatibility ?? DEFAULT_COMPATIBILITY;
        return { ok: true, type: 'CompatibilitySet', subject: null, compatibility: state.compatibility, previous };
      }
      let subject = state.subjects.get(command.subject);
      const previous = subject?.compatibility ?? null;
      if (command.compatibility === null) {
        if (previous === null) return refused('SUBJECT_COMPATIBILITY_NOT_CONFIGURED', `Subject '${command.subject}' does not have subject-level compatibility configured`);
        subject!.compatibility = null;
        return { ok: true, type: 'CompatibilitySet', subject: command.subject, compatibility: null, previous };
      }
      if (!subject) {
        // Confluent allows configuring a subject before its first schema.
        subject = { name: command.subject, versions: [], compatibility: null };
        state.subjects.set(command.subject, subject);
      }
      subject.compatibility = command.compatibility;
      return { ok: true, type: 'CompatibilitySet', subject: command.subject, compatibility: command.compatibility, previous };
    }
  }
}

function refused(code: RegistryErrorCode, message: string): RegistryOutcome {
  return { ok: false, type: 'RegistryRefused', code, message };
}
