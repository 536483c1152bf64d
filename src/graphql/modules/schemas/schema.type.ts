import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COMPATIBILITY_MODES } from '../../../domain/schemas/compatibility';
import { CHANGE_POLICIES, VERSION_STATES, type Proposal } from '../../../domain/schemas/registry';
import { SCHEMA_TYPES } from '../../../domain/schemas/schema-text';
import type { CompatibilityReport, SchemaVersionInfo } from '../../../services/schema-registry';
import { namesEnum } from '../../names-enum';

export const SchemaTypeEnum = namesEnum(SCHEMA_TYPES);
registerEnumType(SchemaTypeEnum, { name: 'SchemaType', description: 'AVRO, or JSON for JSON Schema (draft-07; 2020-12 when $schema says so).' });
export const CompatibilityModeEnum = namesEnum(COMPATIBILITY_MODES);
registerEnumType(CompatibilityModeEnum, {
  name: 'CompatibilityMode',
  description: 'Confluent\'s modes: BACKWARD (new reads old), FORWARD (old reads new), FULL (both); _TRANSITIVE against every earlier version; NONE.',
});
export const VersionStateEnum = namesEnum(VERSION_STATES);
registerEnumType(VersionStateEnum, { name: 'SchemaVersionState', description: 'ACTIVE; DEPRECATED (accepted with a warning); ARCHIVED (refused at ingest).' });
export const ChangePolicyEnum = namesEnum(CHANGE_POLICIES);
registerEnumType(ChangePolicyEnum, { name: 'SchemaChangePolicy', description: 'AUTO: compatible changes apply at once. REVIEW: a steward approves each. LOCKED: no changes.' });
export const ProposalStatusEnum = namesEnum(['PENDING', 'APPROVED', 'REJECTED'] as const);
registerEnumType(ProposalStatusEnum, { name: 'SchemaProposalStatus' });

@ObjectType({ description: 'One version of a subject\'s schema.' })
export class SchemaVersion {
  @Field(() => String)
  subject!: string;

  @Field(() => Int)
  version!: number;

  @Field(() => Int, { description: 'Global schema id: the same schema has the same id in every subject; never reused.' })
  id!: number;

  @Field(() => SchemaTypeEnum)
  schemaType!: string;

  @Field(() => String, { description: 'The schema document, as minified JSON.' })
  schema!: string;

  @Field(() => VersionStateEnum)
  state!: string;

  @Field(() => Boolean, { description: 'Soft-deleted: hidden unless asked for.' })
  deleted!: boolean;

  @Field(() => Date)
  registeredAt!: Date;

  @Field(() => String)
  registeredBy!: string;

  static from(info: SchemaVersionInfo): SchemaVersion {
    return Object.assign(new SchemaVersion(), { ...info, registeredAt: new Date(info.registeredAt) });
  }
}

@ObjectType({ description: 'A subject: the versions of one schema, e.g. "orders-value" for the stream orders.' })
export class SchemaSubject {
  @Field(() => String)
  name!: string;

  @Field(() => CompatibilityModeEnum, { description: 'The mode in force: the subject\'s own, else the global one.' })
  compatibility!: string;

  @Field(() => ChangePolicyEnum)
  policy!: string;

  @Field(() => [SchemaVersion], { description: 'Live versions, oldest first.' })
  versions!: SchemaVersion[];
}

@ObjectType({ description: 'One way a schema breaks the compatibility mode against an earlier version.' })
export class CompatibilityIssueType {
  @Field(() => String, { description: 'The rule broken, e.g. READER_FIELD_MISSING_DEFAULT, TYPE_MISMATCH, TYPE_NARROWED.' })
  rule!: string;

  @Field(() => String, { description: 'JSON pointer into the schema that reads, e.g. /fields/2/type.' })
  path!: string;

  @Field(() => String, { description: 'BACKWARD: the new schema cannot read that version\'s data. FORWARD: that version cannot read the new schema\'s.' })
  direction!: string;

  @Field(() => Int, { description: 'The earlier version checked against.' })
  version!: number;

  @Field(() => String)
  message!: string;
}

@ObjectType()
export class CompatibilityResult {
  @Field(() => Boolean)
  compatible!: boolean;

  @Field(() => CompatibilityModeEnum)
  mode!: string;

  @Field(() => [CompatibilityIssueType])
  issues!: CompatibilityIssueType[];

  @Field(() => [String], { description: 'Impact analysis: views that read a field the schema removes or retypes. Informative; never blocks.' })
  warnings!: string[];

  static from(report: CompatibilityReport, warnings: string[]): CompatibilityResult {
    return Object.assign(new CompatibilityResult(), {
      warnings,
      compatible: report.compatible,
      mode: report.mode,
      issues: report.issues.map((issue) => Object.assign(new CompatibilityIssueType(), { ...issue, message: issue.description })),
    });
  }
}

@ObjectType({ description: 'A proposed schema change and what became of it.' })
export class SchemaProposal {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  subject!: string;

  @Field(() => SchemaTypeEnum)
  schemaType!: string;

  @Field(() => String)
  schema!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String)
  proposedBy!: string;

  @Field(() => Date)
  proposedAt!: Date;

  @Field(() => ProposalStatusEnum)
  status!: string;

  @Field(() => String, { nullable: true })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  @Field(() => String, { nullable: true })
  comment!: string | null;

  @Field(() => Int, { nullable: true, description: 'The version it became, once approved.' })
  version!: number | null;

  static from(proposal: Proposal): SchemaProposal {
    return Object.assign(new SchemaProposal(), {
      ...proposal,
      proposedAt: new Date(proposal.proposedAt),
      decidedBy: proposal.decidedBy ?? null,
      decidedAt: proposal.decidedAt === undefined ? null : new Date(proposal.decidedAt),
      comment: proposal.comment ?? null,
      version: proposal.version ?? null,
    });
  }
}

@ObjectType()
export class ProposeSchemaResult {
  @Field(() => SchemaProposal, { nullable: true, description: 'Null when the schema was already live in the subject.' })
  proposal!: SchemaProposal | null;

  @Field(() => SchemaVersion, { nullable: true, description: 'The version it is, once applied: at once under AUTO; after approval under REVIEW.' })
  version!: SchemaVersion | null;

  @Field(() => [String], { description: 'Impact analysis: views that read a field the change removes or retypes. Also in the response extensions.' })
  warnings!: string[];
}
