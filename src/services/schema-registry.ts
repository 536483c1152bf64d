// Use cases of the schema registry: register and look up schemas, check compatibility, govern
// changes, delete, configure (checking events against the schemas is event-schemas.ts). State
// lives in the control plane (commands on `_meta`), so every instance serves the same registry and
// it survives restarts. Errors carry Confluent's error codes, so the REST face can
// answer exactly as Confluent's registry does and GraphQL can say the same in its own codes.

import { randomBytes } from 'node:crypto';
import { auditMatches, type AuditEntry } from '../domain/audit';
import { compatibilityIssues, isCompatibilityMode, COMPATIBILITY_MODES, type CompatibilityIssue, type CompatibilityMode } from '../domain/schemas/compatibility';
import { fieldChanges } from '../domain/schemas/field-changes';
import {
  changePolicy,
  effectiveCompatibility,
  findVersion,
  isRegistryOutcome,
  liveSubject,
  liveVersions,
  type ChangePolicy,
  type Proposal,
  type ProposalStatus,
  type RegistryCommand,
  type RegistryOutcome,
  type RegistryErrorCode,
  type SubjectVersion,
  type VersionState,
  versionState,
} from '../domain/schemas/registry';
import { parseSchema, SchemaParseError, type ParsedSchema, type SchemaType } from '../domain/schemas/schema-text';
import { GatewayError, type ErrorCode, type GatewayErrorOptions } from '../errors/gateway-error';
import type { Clock } from '../ports/clock';
import { BoundedSubscription } from '../stream/bounded-subscription';
import type { ControlPlane } from './control-plane';

/** A registry refusal with Confluent's error code (40401, 409, 42201, ...) next to Tributary's. */
export class SchemaRegistryError extends GatewayError {
  constructor(
    readonly errorCode: number,
    code: ErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(code, message, { ...options, details: { ...options.details, registryErrorCode: errorCode } });
    this.name = 'SchemaRegistryError';
  }

  /** The HTTP status Confluent answers with: the first three digits of a five-digit code. */
  get httpStatus(): number {
    return this.errorCode >= 10_000 ? Math.floor(this.errorCode / 100) : this.errorCode;
  }
}

export interface SchemaVersionInfo {
  subject: string;
  id: number;
  version: number;
  schemaType: SchemaType;
  schema: string;
  deleted: boolean;
  state: VersionState;
  registeredAt: number;
  registeredBy: string;
}

export interface ProposalResult {
  /** Undefined when the schema was already live in the subject. */
  proposal: Proposal | undefined;
  /** The version it is, once applied (at once under AUTO). */
  version: SchemaVersionInfo | undefined;
  /** Views that read a field the change removes or retypes. */
  warnings: string[];
}

export interface CompatibilityReport {
  /** The schema that was checked, parsed. */
  candidate: ParsedSchema;
  compatible: boolean;
  mode: CompatibilityMode;
  issues: CompatibilityIssue[];
}

const MAX_VERSION = 2 ** 31 - 1;
const SUBJECT = /^[^\u0000-\u001f]{1,255}$/;
/** Registry changes a slow subscriber may fall behind by before it is disconnected. */
const MAX_QUEUED_CHANGES = 1_000;
/** Registrations that keep losing the race against other changes give up after this many checks. */
const MAX_REGISTER_ATTEMPTS = 5;

const REFUSALS: Record<RegistryErrorCode, [number, ErrorCode]> = {
  STALE: [50001, 'INTERNAL'],
  SUBJECT_NOT_FOUND: [40401, 'NOT_FOUND'],
  VERSION_NOT_FOUND: [40402, 'NOT_FOUND'],
  SUBJECT_SOFT_DELETED: [40404, 'NOT_FOUND'],
  SUBJECT_NOT_SOFT_DELETED: [40405, 'BAD_USER_INPUT'],
  VERSION_SOFT_DELETED: [40406, 'NOT_FOUND'],
  VERSION_NOT_SOFT_DELETED: [40407, 'BAD_USER_INPUT'],
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: [40408, 'NOT_FOUND'],
  POLICY_FORBIDS: [42205, 'FORBIDDEN'],
  PROPOSAL_NOT_FOUND: [404, 'NOT_FOUND'],
  PROPOSAL_DECIDED: [409, 'CONFLICT'],
  STATE_UNCHANGED: [422, 'BAD_USER_INPUT'],
};

export class SchemaRegistry {
  /** Parsed schemas and their event validators by id: each is parsed and compiled once. */
  private readonly parsed = new Map<number, ParsedSchema>();
  private readonly subscribers = new Map<BoundedSubscription<AuditEntry>, (entry: AuditEntry) => boolean>();

  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly clock: Clock,
    /** The views that read each of a stream's fields (the lineage graph answers). */
    private readonly viewsReading: (stream: string, fields: readonly string[]) => Promise<Map<string, string[]>>,
  ) {
    // Every applied registry change, from this instance or another, reaches the subscribers.
    controlPlane.onApplied((outcome) => {
      if (!outcome.ok || !isRegistryOutcome(outcome)) return;
      if (outcome.type === 'SchemaRegistered' && outcome.existing) return;
      const entry = this.controlPlane.registry().audit.at(-1);
      if (!entry) return;
      for (const [subscription, wanted] of this.subscribers) {
        if (wanted(entry)) subscription.push(entry);
      }
    });
  }

  /** Registry changes from now on, of one subject or of all; for dashboards. */
  subscribeChanges(subject?: string): BoundedSubscription<AuditEntry> {
    const subscription = new BoundedSubscription<AuditEntry>(MAX_QUEUED_CHANGES, (s) => this.subscribers.delete(s));
    this.subscribers.set(subscription, (entry) => registryEntryOf(entry, subject));
    return subscription;
  }

  subjects(includeDeleted = false): string[] {
    const state = this.controlPlane.registry();
    return [...state.subjects.values()]
      .filter((subject) => (includeDeleted ? subject.versions.length > 0 : liveVersions(subject).length > 0))
      .map((subject) => subject.name)
      .sort();
  }

  versions(subject: string, includeDeleted = false): number[] {
    return this.versionsOf(subject, includeDeleted).map((v) => v.version);
  }

  /** One version of a subject: a number, or "latest" (also -1) for the newest live one. */
  version(subject: string, spec: string | number, includeDeleted = false): SchemaVersionInfo {
    const versions = this.versionsOf(subject, includeDeleted);
    const number = parseVersion(spec);
    const found = number === 'latest' ? versions.filter((v) => !v.deleted).at(-1) : versions.find((v) => v.version === number);
    if (!found) throw new SchemaRegistryError(40402, 'NOT_FOUND', `Version ${String(spec)} not found.`, { path: 'version' });
    return this.info(subject, found);
  }

  schemaById(id: number): { id: number; schemaType: SchemaType; schema: string } {
    const schema = Number.isSafeInteger(id) ? this.controlPlane.registry().schemas.get(id) : undefined;
    if (!schema) throw new SchemaRegistryError(40403, 'NOT_FOUND', `Schema ${id} not found`, { path: 'id' });
    return schema;
  }

  /** Every subject and version that holds the schema with this id. */
  subjectVersionsOf(id: number): { subject: string; version: number }[] {
    this.schemaById(id);
    const found: { subject: string; version: number }[] = [];
    for (const subject of this.controlPlane.registry().subjects.values()) {
      for (const version of liveVersions(subject)) if (version.id === id) found.push({ subject: subject.name, version: version.version });
    }
    return found;
  }

  /** The version of `subject` that holds exactly this schema. */
  lookup(subject: string, schemaType: string, text: string): SchemaVersionInfo {
    this.versionsOf(subject, false);
    const parsed = parse(schemaType, text);
    const found = findVersion(this.controlPlane.registry(), subject, parsed.schemaType, parsed.text);
    if (!found) throw new SchemaRegistryError(40403, 'NOT_FOUND', 'Schema not found', { path: 'schema' });
    return this.info(subject, found);
  }

  /** Registers the schema under `subject` if it is compatible; an identical live schema is returned as it is. */
  async register(subject: string, schemaType: string, text: string, actor: string): Promise<{ id: number; version: number; existing: boolean }> {
    checkSubject(subject);
    const candidate = parse(schemaType, text);
    const outcome = await this.submitChecked(subject, candidate, (basedOn) => ({
      type: 'RegisterSchema',
      subject,
      schemaType: candidate.schemaType,
      schema: candidate.text,
      basedOn,
      at: this.clock.now(),
      actor,
    }));
    if (outcome.type !== 'SchemaRegistered') throw refusal(outcome);
    return { id: outcome.id, version: outcome.version, existing: outcome.existing };
  }

  /**
   * Proposes a schema for `subject` under its change policy: AUTO applies a compatible schema at once,
   * REVIEW keeps it PENDING for a steward, LOCKED refuses it. An identical live schema is returned as it is.
   */
  async propose(subject: string, schemaType: string, text: string, reason: string, actor: string): Promise<ProposalResult> {
    checkSubject(subject);
    const candidate = parse(schemaType, text);
    const proposal = `p-${this.clock.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const outcome = await this.submitChecked(subject, candidate, (basedOn) => ({
      type: 'ProposeSchema',
      proposal,
      subject,
      schemaType: candidate.schemaType,
      schema: candidate.text,
      basedOn,
      at: this.clock.now(),
      actor,
      reason,
    }));
    if (outcome.type === 'SchemaRegistered') return { proposal: undefined, version: this.version(subject, outcome.version), warnings: [] };
    if (outcome.type !== 'SchemaProposed') throw refusal(outcome);
    return {
      proposal: outcome.proposal,
      version: outcome.proposal.version === undefined ? undefined : this.version(subject, outcome.proposal.version),
      warnings: await this.impact(subject, candidate, outcome.proposal.version),
    };
  }

  /**
   * Impact analysis: which views read a field that `candidate` removes or retypes compared with the
   * version before it (`version` once it is registered, else the latest). Never blocks a change.
   */
  async impact(subject: string, candidate: ParsedSchema, version?: number): Promise<string[]> {
    if (!subject.endsWith('-value')) return [];
    const live = liveVersions(this.controlPlane.registry().subjects.get(subject)).filter((v) => version === undefined || v.version < version);
    const previous = live.at(-1);
    if (!previous) return [];
    const changes = fieldChanges(this.parsedSchema(previous.id), candidate);
    if (changes.length === 0) return [];
    const readers = await this.viewsReading(subject.slice(0, -'-value'.length), changes.map((c) => c.path));
    return changes
      .filter((c) => readers.has(c.path))
      .map((c) => {
        const views = readers.get(c.path)!;
        const what = c.change === 'removed' ? `removes field "${c.path}" (${c.before})` : `retypes field "${c.path}" (${c.before} → ${c.after})`;
        return `this change ${what}, which ${views.length === 1 ? 'view' : 'views'} ${views.join(', ')} ${views.length === 1 ? 'reads' : 'read'} (compared with version ${previous.version})`;
      });
  }

  /** A steward's decision on a PENDING proposal; approval checks compatibility again, against today's versions. */
  async decide(proposalId: string, approve: boolean, comment: string, actor: string): Promise<Proposal> {
    const proposal = this.controlPlane.registry().proposals.get(proposalId);
    if (!proposal) throw new SchemaRegistryError(404, 'NOT_FOUND', `proposal ${proposalId} does not exist`, { path: 'proposal' });
    const command = (basedOn: number): RegistryCommand => ({ type: 'DecideProposal', proposal: proposalId, approve, comment, basedOn, at: this.clock.now(), actor });
    const outcome = approve
      ? await this.submitChecked(proposal.subject, this.parsedProposal(proposal), command)
      : await this.submit(command(this.controlPlane.registry().revision));
    if (outcome.ok && outcome.type === 'ProposalDecided') return outcome.proposal;
    throw refusal(outcome);
  }

  proposals(filter: { subject?: string; status?: ProposalStatus } = {}): Proposal[] {
    return [...this.controlPlane.registry().proposals.values()].filter(
      (p) => (filter.subject === undefined || p.subject === filter.subject) && (filter.status === undefined || p.status === filter.status),
    );
  }

  async setVersionState(subject: string, spec: string | number, state: VersionState, reason: string, actor: string): Promise<SchemaVersionInfo> {
    const { version } = this.version(subject, spec);
    const outcome = await this.submit({ type: 'SetVersionState', subject, version, state, reason, at: this.clock.now(), actor });
    if (!(outcome.ok && outcome.type === 'VersionStateSet')) throw refusal(outcome);
    return this.version(subject, version);
  }

  async setChangePolicy(subject: string, policy: ChangePolicy, reason: string, actor: string): Promise<ChangePolicy> {
    checkSubject(subject);
    const outcome = await this.submit({ type: 'SetChangePolicy', subject, policy, reason, at: this.clock.now(), actor });
    if (!(outcome.ok && outcome.type === 'ChangePolicySet')) throw refusal(outcome);
    return outcome.policy;
  }

  changePolicy(subject: string): ChangePolicy {
    return changePolicy(this.controlPlane.registry(), subject);
  }

  /** The audit trail, newest first, optionally of one subject. */
  audit(filter: { subject?: string; limit?: number } = {}): AuditEntry[] {
    const entries = this.controlPlane.registry().audit.filter((entry) => registryEntryOf(entry, filter.subject));
    return entries.slice(-(filter.limit ?? 100)).reverse();
  }

  /**
   * Checks a schema against `subject` under its compatibility mode: against one version when `spec`
   * is given (a number or "latest"), else against the versions the mode names.
   */
  checkCompatibility(subject: string, spec: string | number | undefined, schemaType: string, text: string): CompatibilityReport {
    const candidate = parse(schemaType, text);
    if (spec !== undefined) this.version(subject, spec);
    return this.report(subject, candidate, spec);
  }

  async deleteSubject(subject: string, permanent: boolean, actor: string): Promise<number[]> {
    const outcome = await this.submit({ type: 'DeleteSubject', subject, permanent, at: this.clock.now(), actor });
    if (outcome.ok && outcome.type === 'SubjectDeleted') return outcome.versions;
    throw refusal(outcome);
  }

  async deleteVersion(subject: string, spec: string | number, permanent: boolean, actor: string): Promise<number> {
    // Deleted versions are found too, so a repeated delete says why it cannot be done again.
    const version = this.version(subject, spec, true).version;
    const outcome = await this.submit({ type: 'DeleteSchemaVersion', subject, version, permanent, at: this.clock.now(), actor });
    if (outcome.ok && outcome.type === 'SchemaVersionDeleted') return outcome.version;
    throw refusal(outcome);
  }

  /** The global mode (subject null), or a subject's own; falls back to the global one if asked to. */
  compatibility(subject: string | null, defaultToGlobal = false): CompatibilityMode {
    const state = this.controlPlane.registry();
    if (subject === null) return state.compatibility;
    const own = state.subjects.get(subject)?.compatibility ?? null;
    if (own !== null) return own;
    if (defaultToGlobal) return effectiveCompatibility(state, subject);
    throw new SchemaRegistryError(40408, 'NOT_FOUND', `Subject '${subject}' does not have subject-level compatibility configured`, { path: 'subject' });
  }

  /** Sets the global mode (subject null) or a subject's; null removes the setting. Returns the previous one. */
  async setCompatibility(subject: string | null, mode: unknown, actor: string): Promise<CompatibilityMode | null> {
    if (mode !== null && !isCompatibilityMode(mode)) {
      throw new SchemaRegistryError(42203, 'BAD_USER_INPUT', `Invalid compatibility level. Valid values are ${COMPATIBILITY_MODES.join(', ')}; got ${JSON.stringify(mode)}`, {
        path: 'compatibility',
      });
    }
    if (subject !== null) checkSubject(subject);
    const outcome = await this.submit({ type: 'SetCompatibility', subject, compatibility: mode, at: this.clock.now(), actor });
    if (outcome.ok && outcome.type === 'CompatibilitySet') return outcome.previous;
    throw refusal(outcome);
  }

  /** The parsed schema of an id, parsed on first use only. */
  parsedSchema(id: number): ParsedSchema {
    let parsed = this.parsed.get(id);
    if (!parsed) {
      const stored = this.schemaById(id);
      parsed = parseSchema(stored.schemaType, stored.schema);
      this.parsed.set(id, parsed);
    }
    return parsed;
  }

  /**
   * Checks `candidate` against the registry as it stands, then submits the command built for that
   * revision; when another change got in first (STALE), checks again. Refuses an incompatible schema.
   */
  private async submitChecked(subject: string, candidate: ParsedSchema, build: (basedOn: number) => RegistryCommand): Promise<Extract<RegistryOutcome, { ok: true }>> {
    for (let attempt = 0; attempt < MAX_REGISTER_ATTEMPTS; attempt++) {
      const state = this.controlPlane.registry();
      const basedOn = state.revision;
      if (!findVersion(state, subject, candidate.schemaType, candidate.text)) {
        const report = this.report(subject, candidate, undefined);
        if (!report.compatible) {
          throw new SchemaRegistryError(
            409,
            'INCOMPATIBLE_SCHEMA',
            `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${report.issues.map((i) => i.description).join('; ')}]`,
            { path: 'schema', details: { mode: report.mode, issues: report.issues.map(({ rule, path, direction, version, description }) => ({ rule, path, direction, version, description })) } },
          );
        }
      }
      const outcome = await this.submit(build(basedOn));
      if (outcome.ok) return outcome;
      if (outcome.code !== 'STALE') throw refusal(outcome);
    }
    throw new SchemaRegistryError(50001, 'STORAGE_UNAVAILABLE', `the registry kept changing while "${subject}" was being changed; try again`, { retriable: true });
  }

  private parsedProposal(proposal: Proposal): ParsedSchema {
    return parseSchema(proposal.schemaType, proposal.schema);
  }

  private report(subject: string, candidate: ParsedSchema, spec: string | number | undefined): CompatibilityReport {
    const state = this.controlPlane.registry();
    const mode = effectiveCompatibility(state, subject);
    let versions = liveVersions(liveSubject(state, subject));
    if (spec !== undefined) {
      const chosen = this.version(subject, spec).version;
      versions = versions.filter((v) => v.version === chosen);
    }
    // Checking one chosen version ignores transitivity: it is the only one asked about.
    const effectiveMode = spec !== undefined ? (mode.replace('_TRANSITIVE', '') as CompatibilityMode) : mode;
    const issues = compatibilityIssues(
      effectiveMode,
      candidate,
      versions.map((v) => ({ version: v.version, schema: this.parsedSchema(v.id) })),
    );
    return { candidate, compatible: issues.length === 0, mode, issues };
  }

  private versionsOf(subject: string, includeDeleted: boolean): SubjectVersion[] {
    const found = this.controlPlane.registry().subjects.get(subject);
    const versions = found ? (includeDeleted ? found.versions : liveVersions(found)) : [];
    if (versions.length === 0) throw new SchemaRegistryError(40401, 'NOT_FOUND', `Subject '${subject}' not found.`, { path: 'subject' });
    return versions;
  }

  private info(subject: string, version: SubjectVersion): SchemaVersionInfo {
    const schema = this.schemaById(version.id);
    return {
      subject,
      id: version.id,
      version: version.version,
      schemaType: schema.schemaType,
      schema: schema.schema,
      deleted: version.deleted,
      state: versionState(version),
      registeredAt: version.registeredAt,
      registeredBy: version.registeredBy,
    };
  }

  private async submit(command: RegistryCommand): Promise<RegistryOutcome> {
    const outcome = await this.controlPlane.submit(command);
    if (!isRegistryOutcome(outcome)) throw new GatewayError('INTERNAL', `unexpected control-plane outcome ${outcome.type} for ${command.type}`);
    return outcome;
  }
}

/** Whether an audit entry is a registry change (of `subject`, when one is named). */
function registryEntryOf(entry: AuditEntry, subject: string | undefined): boolean {
  if (subject !== undefined) return auditMatches(entry, { resource: `subject:${subject}` });
  return entry.resource === 'registry' || auditMatches(entry, { resource: 'subject:' });
}

function parse(schemaType: string, text: string): ParsedSchema {
  try {
    return parseSchema(schemaType, text);
  } catch (error) {
    if (error instanceof SchemaParseError) {
      throw new SchemaRegistryError(42201, 'INVALID_SCHEMA', `Invalid schema: ${error.violation.message}`, { path: error.violation.path, details: { rule: error.violation.rule } });
    }
    throw error;
  }
}

function parseVersion(spec: string | number): number | 'latest' {
  if (spec === 'latest' || spec === -1 || spec === '-1') return 'latest';
  const number = typeof spec === 'number' ? spec : /^\d+$/.test(spec) ? Number(spec) : Number.NaN;
  if (!Number.isInteger(number) || number < 1 || number > MAX_VERSION) {
    throw new SchemaRegistryError(42202, 'BAD_USER_INPUT', `The specified version '${String(spec)}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`, {
      path: 'version',
    });
  }
  return number;
}

function checkSubject(subject: string): void {
  if (typeof subject !== 'string' || !SUBJECT.test(subject)) {
    throw new SchemaRegistryError(422, 'BAD_USER_INPUT', `subject must be 1-255 characters without control characters; got ${JSON.stringify(subject)}`, { path: 'subject' });
  }
}

function refusal(outcome: RegistryOutcome): SchemaRegistryError {
  if (outcome.ok) return new SchemaRegistryError(50001, 'INTERNAL', `unexpected registry outcome ${outcome.type}`);
  const [errorCode, code] = REFUSALS[outcome.code];
  return new SchemaRegistryError(errorCode, code, outcome.message);
}
