// The schema registry as a deterministic state machine over control-plane commands, with the
// semantics of Confluent's registry: subjects hold numbered versions of schemas; a schema has one
// global id wherever it is registered, and ids are never reused, even after deletes; deletes are
// soft first and permanent only after that.
//
// Compatibility is checked by the instance that submits a registration, against the state at a
// known revision; applying the command only confirms that nothing changed since (else STALE, and
// the submitter checks again). So applying stays cheap and never depends on checker code.

import { appendAudit, type AuditEntry, type AuditRecord } from '../audit';
import { DEFAULT_COMPATIBILITY, type CompatibilityMode } from './compatibility';
import type { SchemaType } from './schema-text';

export interface RegisteredSchema {
  id: number;
  schemaType: SchemaType;
  /** Minified schema document. */
  schema: string;
}

/** ACTIVE: in use. DEPRECATED: still accepted, with a warning. ARCHIVED: refused at ingest. */
export const VERSION_STATES = ['ACTIVE', 'DEPRECATED', 'ARCHIVED'] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/** AUTO: compatible changes apply at once. REVIEW: a steward approves each. LOCKED: no changes. */
export const CHANGE_POLICIES = ['AUTO', 'REVIEW', 'LOCKED'] as const;
export type ChangePolicy = (typeof CHANGE_POLICIES)[number];

export interface SubjectVersion {
  version: number;
  id: number;
  /** Soft-deleted versions stay until deleted permanently; they are invisible unless asked for. */
  deleted: boolean;
  /** Absent in versions registered before lifecycles existed: ACTIVE. */
  state?: VersionState;
  registeredAt: number;
  registeredBy: string;
}

export interface Subject {
  name: string;
  /** Oldest first, soft-deleted ones included. */
  versions: SubjectVersion[];
  compatibility: CompatibilityMode | null;
  /** Absent: AUTO. */
  policy?: ChangePolicy;
}

export type ProposalStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

/** A schema change waiting for (or past) a steward's decision, under the REVIEW policy. */
export interface Proposal {
  id: string;
  subject: string;
  schemaType: SchemaType;
  schema: string;
  reason: string;
  proposedBy: string;
  proposedAt: number;
  status: ProposalStatus;
  decidedBy?: string;
  decidedAt?: number;
  comment?: string;
  /** The version it became, once approved. */
  version?: number;
}

export interface RegistryState {
  /** Bumped by every applied registry change; registrations name the revision they were checked at. */
  revision: number;
  nextId: number;
  schemas: Map<number, RegisteredSchema>;
  idsByContent: Map<string, number>;
  subjects: Map<string, Subject>;
  compatibility: CompatibilityMode;
  proposals: Map<string, Proposal>;
  /** The control plane's audit trail (shared with the catalog), where registry changes are written. */
  audit: AuditEntry[];
}

interface Change {
  at: number;
  actor: string;
  /** Why, in the actor's words; kept in the audit trail. */
  reason?: string;
}

export type RegistryCommand =
  | ({ type: 'RegisterSchema'; subject: string; schemaType: SchemaType; schema: string; basedOn: number } & Change)
  | ({ type: 'DeleteSubject'; subject: string; permanent: boolean } & Change)
  | ({ type: 'DeleteSchemaVersion'; subject: string; version: number; permanent: boolean } & Change)
  /** `subject` null: the global default; `compatibility` null: remove the subject's override. */
  | ({ type: 'SetCompatibility'; subject: string | null; compatibility: CompatibilityMode | null } & Change)
  | ({ type: 'SetVersionState'; subject: string; version: number; state: VersionState } & Change)
  | ({ type: 'SetChangePolicy'; subject: string; policy: ChangePolicy } & Change)
  | ({ type: 'ProposeSchema'; proposal: string; subject: string; schemaType: SchemaType; schema: string; basedOn: number } & Change)
  | ({ type: 'DecideProposal'; proposal: string; approve: boolean; comment: string; basedOn: number } & Change);

export type RegistryErrorCode =
  | 'STALE'
  | 'SUBJECT_NOT_FOUND'
  | 'VERSION_NOT_FOUND'
  | 'SUBJECT_SOFT_DELETED'
  | 'SUBJECT_NOT_SOFT_DELETED'
  | 'VERSION_SOFT_DELETED'
  | 'VERSION_NOT_SOFT_DELETED'
  | 'SUBJECT_COMPATIBILITY_NOT_CONFIGURED'
  | 'POLICY_FORBIDS'
  | 'PROPOSAL_NOT_FOUND'
  | 'PROPOSAL_DECIDED'
  | 'STATE_UNCHANGED';

export type RegistryOutcome =
  | { ok: true; type: 'SchemaRegistered'; subject: string; id: number; version: number; existing: boolean }
  | { ok: true; type: 'SubjectDeleted'; subject: string; versions: number[]; permanent: boolean }
  | { ok: true; type: 'SchemaVersionDeleted'; subject: string; version: number; permanent: boolean }
  | { ok: true; type: 'CompatibilitySet'; subject: string | null; compatibility: CompatibilityMode | null; previous: CompatibilityMode | null }
  | { ok: true; type: 'VersionStateSet'; subject: string; version: number; state: VersionState; previous: VersionState }
  | { ok: true; type: 'ChangePolicySet'; subject: string; policy: ChangePolicy; previous: ChangePolicy }
  | { ok: true; type: 'SchemaProposed'; proposal: Proposal }
  | { ok: true; type: 'ProposalDecided'; proposal: Proposal }
  | { ok: false; type: 'RegistryRefused'; code: RegistryErrorCode; message: string };

const REGISTRY_OUTCOMES: ReadonlySet<string> = new Set([
  'SchemaRegistered',
  'SubjectDeleted',
  'SchemaVersionDeleted',
  'CompatibilitySet',
  'VersionStateSet',
  'ChangePolicySet',
  'SchemaProposed',
  'ProposalDecided',
  'RegistryRefused',
]);

/** Whether a control-plane outcome is one of the registry's. */
export function isRegistryOutcome(outcome: { type: string }): outcome is RegistryOutcome {
  return REGISTRY_OUTCOMES.has(outcome.type);
}

export function emptyRegistry(audit: AuditEntry[] = []): RegistryState {
  return {
    revision: 0,
    nextId: 1,
    schemas: new Map(),
    idsByContent: new Map(),
    subjects: new Map(),
    compatibility: DEFAULT_COMPATIBILITY,
    proposals: new Map(),
    audit,
  };
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

export function versionState(version: SubjectVersion): VersionState {
  return version.state ?? 'ACTIVE';
}

export function changePolicy(state: RegistryState, subject: string): ChangePolicy {
  return state.subjects.get(subject)?.policy ?? 'AUTO';
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
  if (outcome.ok && !(outcome.type === 'SchemaRegistered' && outcome.existing)) {
    state.revision += 1;
    appendAudit(state.audit, { at: command.at, actor: command.actor, ...auditOf(outcome), ...(command.reason ? { reason: command.reason } : {}) });
  }
  return outcome;
}

/** What an applied change was, for the audit trail. */
function auditOf(outcome: Extract<RegistryOutcome, { ok: true }>): Pick<AuditRecord, 'action' | 'resource' | 'version' | 'detail'> {
  const { subject, ...rest } = auditFields(outcome);
  return { ...rest, resource: subject === null ? 'registry' : `subject:${subject}` };
}

function auditFields(outcome: Extract<RegistryOutcome, { ok: true }>): { action: string; subject: string | null; version?: number; detail: string } {
  switch (outcome.type) {
    case 'SchemaRegistered':
      return { action: 'REGISTER_SCHEMA', subject: outcome.subject, version: outcome.version, detail: `registered schema id ${outcome.id} as version ${outcome.version}` };
    case 'SubjectDeleted':
      return { action: outcome.permanent ? 'DELETE_SUBJECT_PERMANENTLY' : 'DELETE_SUBJECT', subject: outcome.subject, detail: `versions ${outcome.versions.join(', ')}` };
    case 'SchemaVersionDeleted':
      return { action: outcome.permanent ? 'DELETE_VERSION_PERMANENTLY' : 'DELETE_VERSION', subject: outcome.subject, version: outcome.version, detail: `version ${outcome.version}` };
    case 'CompatibilitySet':
      return { action: 'SET_COMPATIBILITY', subject: outcome.subject, detail: `${outcome.previous ?? 'unset'} → ${outcome.compatibility ?? 'unset'}` };
    case 'VersionStateSet':
      return { action: 'SET_VERSION_STATE', subject: outcome.subject, version: outcome.version, detail: `${outcome.previous} → ${outcome.state}` };
    case 'ChangePolicySet':
      return { action: 'SET_CHANGE_POLICY', subject: outcome.subject, detail: `${outcome.previous} → ${outcome.policy}` };
    case 'SchemaProposed': {
      const { proposal } = outcome;
      const what = proposal.status === 'APPROVED' ? `applied at once (AUTO) as version ${proposal.version}` : 'waits for review';
      return { action: 'PROPOSE_SCHEMA', subject: proposal.subject, version: proposal.version, detail: `proposal ${proposal.id} ${what}` };
    }
    case 'ProposalDecided': {
      const { proposal } = outcome;
      const verdict = proposal.status === 'APPROVED' ? `approved as version ${proposal.version}` : 'rejected';
      return { action: proposal.status === 'APPROVED' ? 'APPROVE_SCHEMA' : 'REJECT_SCHEMA', subject: proposal.subject, version: proposal.version, detail: `proposal ${proposal.id} ${verdict}${proposal.comment ? `: ${proposal.comment}` : ''}` };
    }
  }
}

function apply(state: RegistryState, command: RegistryCommand): RegistryOutcome {
  switch (command.type) {
    case 'RegisterSchema': {
      const { subject: name, schemaType, schema } = command;
      const existing = findVersion(state, name, schemaType, schema);
      if (existing) return { ok: true, type: 'SchemaRegistered', subject: name, id: existing.id, version: existing.version, existing: true };
      const policy = changePolicy(state, name);
      if (policy !== 'AUTO') return forbidden(name, policy);
      if (command.basedOn !== state.revision) return stale(command.basedOn, state);
      const added = addVersion(state, name, schemaType, schema, command);
      return { ok: true, type: 'SchemaRegistered', subject: name, id: added.id, version: added.version, existing: false };
    }
    case 'ProposeSchema': {
      const { subject: name, schemaType, schema } = command;
      const existing = findVersion(state, name, schemaType, schema);
      if (existing) return { ok: true, type: 'SchemaRegistered', subject: name, id: existing.id, version: existing.version, existing: true };
      const policy = changePolicy(state, name);
      if (policy === 'LOCKED') return forbidden(name, policy);
      if (command.basedOn !== state.revision) return stale(command.basedOn, state);
      const proposal: Proposal = { id: command.proposal, subject: name, schemaType, schema, reason: command.reason ?? '', proposedBy: command.actor, proposedAt: command.at, status: 'PENDING' };
      if (policy === 'AUTO') {
        proposal.version = addVersion(state, name, schemaType, schema, command).version;
        Object.assign(proposal, { status: 'APPROVED', decidedBy: 'policy AUTO', decidedAt: command.at });
      }
      state.proposals.set(proposal.id, proposal);
      return { ok: true, type: 'SchemaProposed', proposal };
    }
    case 'DecideProposal': {
      const proposal = state.proposals.get(command.proposal);
      if (!proposal) return refused('PROPOSAL_NOT_FOUND', `proposal ${command.proposal} does not exist`);
      if (proposal.status !== 'PENDING') return refused('PROPOSAL_DECIDED', `proposal ${command.proposal} was already ${proposal.status.toLowerCase()}`);
      if (command.approve) {
        const policy = changePolicy(state, proposal.subject);
        if (policy === 'LOCKED') return forbidden(proposal.subject, policy);
        if (command.basedOn !== state.revision) return stale(command.basedOn, state);
        proposal.version =
          findVersion(state, proposal.subject, proposal.schemaType, proposal.schema)?.version ??
          addVersion(state, proposal.subject, proposal.schemaType, proposal.schema, command).version;
      }
      Object.assign(proposal, { status: command.approve ? 'APPROVED' : 'REJECTED', decidedBy: command.actor, decidedAt: command.at, comment: command.comment });
      return { ok: true, type: 'ProposalDecided', proposal };
    }
    case 'SetVersionState': {
      const version = liveVersions(state.subjects.get(command.subject)).find((v) => v.version === command.version);
      if (!version) return refused('VERSION_NOT_FOUND', `Version ${command.version} of subject '${command.subject}' not found.`);
      const previous = versionState(version);
      if (previous === command.state) return refused('STATE_UNCHANGED', `version ${command.version} of '${command.subject}' is already ${previous}`);
      version.state = command.state;
      return { ok: true, type: 'VersionStateSet', subject: command.subject, version: command.version, state: command.state, previous };
    }
    case 'SetChangePolicy': {
      const subject = subjectEntry(state, command.subject);
      const previous = subject.policy ?? 'AUTO';
      subject.policy = command.policy;
      return { ok: true, type: 'ChangePolicySet', subject: command.subject, policy: command.policy, previous };
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
      // Confluent allows configuring a subject before its first schema.
      subject = subjectEntry(state, command.subject);
      subject.compatibility = command.compatibility;
      return { ok: true, type: 'CompatibilitySet', subject: command.subject, compatibility: command.compatibility, previous };
    }
  }
}

function subjectEntry(state: RegistryState, name: string): Subject {
  let subject = state.subjects.get(name);
  if (!subject) {
    subject = { name, versions: [], compatibility: null };
    state.subjects.set(name, subject);
  }
  return subject;
}

/** Adds a schema as the subject's next version, giving it the id its content already has, or a new one. */
function addVersion(state: RegistryState, name: string, schemaType: SchemaType, schema: string, change: Change): SubjectVersion {
  const key = contentKey(schemaType, schema);
  let id = state.idsByContent.get(key);
  if (id === undefined) {
    id = state.nextId++;
    state.schemas.set(id, { id, schemaType, schema });
    state.idsByContent.set(key, id);
  }
  const subject = subjectEntry(state, name);
  const added: SubjectVersion = { version: (subject.versions.at(-1)?.version ?? 0) + 1, id, deleted: false, state: 'ACTIVE', registeredAt: change.at, registeredBy: change.actor };
  subject.versions.push(added);
  return added;
}

function stale(basedOn: number, state: RegistryState): RegistryOutcome {
  return refused('STALE', `the registry changed (revision ${state.revision}) after the schema was checked at revision ${basedOn}`);
}

function forbidden(subject: string, policy: ChangePolicy): RegistryOutcome {
  return refused(
    'POLICY_FORBIDS',
    policy === 'LOCKED'
      ? `Subject '${subject}' is LOCKED: its schema cannot change until a steward sets another policy`
      : `Subject '${subject}' changes under REVIEW: propose the schema (GraphQL proposeSchema) for a steward to approve`,
  );
}

function refused(code: RegistryErrorCode, message: string): RegistryOutcome {
  return { ok: false, type: 'RegistryRefused', code, message };
}
