import { Arg, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { AuditEntry } from '../../../domain/audit';
import type { CompatibilityMode } from '../../../domain/schemas/compatibility';
import type { ChangePolicy, ProposalStatus, VersionState } from '../../../domain/schemas/registry';
import { mayControl, type GraphQLContext } from '../../context';
import { guardedSubscription } from '../../guarded-subscription';
import { AuditLogEntry } from '../audit/audit.type';
import {
  ChangePolicyEnum,
  CompatibilityModeEnum,
  CompatibilityResult,
  ProposalStatusEnum,
  ProposeSchemaResult,
  SchemaProposal,
  SchemaSubject,
  SchemaTypeEnum,
  SchemaVersion,
} from './schema.type';

@Resolver()
export class SchemaResolver {
  @Query(() => [SchemaSubject], { description: 'Every subject with a live version, by name. A stream\'s events follow the subject "<stream>-value".' })
  schemaSubjects(@Ctx() ctx: GraphQLContext): SchemaSubject[] {
    mayControl(ctx, 'read_catalog');
    const { schemas } = ctx.services;
    return schemas.subjects().map((name) =>
      Object.assign(new SchemaSubject(), {
        name,
        compatibility: schemas.compatibility(name, true),
        policy: schemas.changePolicy(name),
        versions: schemas.versions(name).map((v) => SchemaVersion.from(schemas.version(name, v))),
      }),
    );
  }

  @Query(() => [SchemaVersion], { description: 'The versions of a subject, oldest first.' })
  schemaVersions(
    @Arg('subject', () => String) subject: string,
    @Arg('includeDeleted', () => Boolean, { defaultValue: false }) includeDeleted: boolean,
    @Ctx() ctx: GraphQLContext,
  ): SchemaVersion[] {
    mayControl(ctx, 'read_catalog');
    const { services } = ctx;
    return services.schemas.versions(subject, includeDeleted).map((v) => SchemaVersion.from(services.schemas.version(subject, v, includeDeleted)));
  }

  @Query(() => CompatibilityResult, {
    description: 'Checks a schema against a subject under its mode (against one version when `version` is given, a number or "latest"); lists every incompatibility.',
  })
  async checkCompatibility(
    @Arg('subject', () => String) subject: string,
    @Arg('schema', () => String) schema: string,
    @Arg('schemaType', () => SchemaTypeEnum, { defaultValue: 'AVRO' }) schemaType: string,
    @Arg('version', () => String, { nullable: true }) version: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CompatibilityResult> {
    mayControl(ctx, 'read_catalog');
    const { services } = ctx;
    const report = services.schemas.checkCompatibility(subject, version ?? undefined, schemaType, schema);
    return CompatibilityResult.from(report, await services.schemas.impact(subject, report.candidate));
  }

  @Query(() => [SchemaProposal], { description: 'Proposed schema changes, oldest first.' })
  schemaProposals(
    @Arg('subject', () => String, { nullable: true }) subject: string | null,
    @Arg('status', () => ProposalStatusEnum, { nullable: true }) status: ProposalStatus | null,
    @Ctx() ctx: GraphQLContext,
  ): SchemaProposal[] {
    mayControl(ctx, 'read_catalog');
    const { services } = ctx;
    return services.schemas.proposals({ subject: subject ?? undefined, status: status ?? undefined }).map(SchemaProposal.from);
  }

  @Query(() => [AuditLogEntry], { description: 'Every change to the registry, newest first.' })
  schemaAudit(
    @Arg('subject', () => String, { nullable: true }) subject: string | null,
    @Arg('limit', () => Int, { defaultValue: 100 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): AuditLogEntry[] {
    mayControl(ctx, 'read_audit');
    const { services } = ctx;
    return services.schemas.audit({ subject: subject ?? undefined, limit: Math.max(1, Math.min(limit, 10_000)) }).map(AuditLogEntry.from);
  }

  @Mutation(() => ProposeSchemaResult, {
    description: 'Proposes a new schema version. Under the subject\'s policy AUTO a compatible schema applies at once; under REVIEW it waits for approval; LOCKED refuses it.',
  })
  async proposeSchema(
    @Arg('subject', () => String) subject: string,
    @Arg('schema', () => String) schema: string,
    @Arg('schemaType', () => SchemaTypeEnum, { defaultValue: 'AVRO' }) schemaType: string,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ProposeSchemaResult> {
    mayControl(ctx, 'manage_schemas');
    const result = await ctx.services.schemas.propose(subject, schemaType, schema, reason, ctx.producer);
    ctx.warnings.push(...result.warnings);
    return Object.assign(new ProposeSchemaResult(), {
      warnings: result.warnings,
      proposal: result.proposal ? SchemaProposal.from(result.proposal) : null,
      version: result.version ? SchemaVersion.from(result.version) : null,
    });
  }

  @Mutation(() => SchemaProposal, { description: 'Approves a PENDING proposal; compatibility is checked again against today\'s versions.' })
  async approveSchemaChange(
    @Arg('proposal', () => String) proposal: string,
    @Arg('comment', () => String, { defaultValue: '' }) comment: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchemaProposal> {
    mayControl(ctx, 'approve_schemas');
    return SchemaProposal.from(await ctx.services.schemas.decide(proposal, true, comment, ctx.producer));
  }

  @Mutation(() => SchemaProposal, { description: 'Rejects a PENDING proposal, saying why.' })
  async rejectSchemaChange(
    @Arg('proposal', () => String) proposal: string,
    @Arg('comment', () => String) comment: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchemaProposal> {
    mayControl(ctx, 'approve_schemas');
    return SchemaProposal.from(await ctx.services.schemas.decide(proposal, false, comment, ctx.producer));
  }

  @Mutation(() => CompatibilityModeEnum, { nullable: true, description: 'Sets a subject\'s mode, or the global one when subject is omitted; returns the previous one.' })
  async setCompatibility(
    @Arg('mode', () => CompatibilityModeEnum) mode: CompatibilityMode,
    @Arg('subject', () => String, { nullable: true }) subject: string | null | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CompatibilityMode | null> {
    // An omitted argument arrives as undefined: that, like null, means the global mode.
    mayControl(ctx, 'approve_schemas');
    return ctx.services.schemas.setCompatibility(subject ?? null, mode, ctx.producer);
  }

  @Mutation(() => SchemaVersion, { description: 'Marks a version DEPRECATED: still accepted at ingest, with a warning and a metric.' })
  deprecateSchemaVersion(
    @Arg('subject', () => String) subject: string,
    @Arg('version', () => Int) version: number,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchemaVersion> {
    return this.setState(ctx, subject, version, 'DEPRECATED', reason);
  }

  @Mutation(() => SchemaVersion, { description: 'Marks a version ARCHIVED: ingest refuses events written with it.' })
  archiveSchemaVersion(
    @Arg('subject', () => String) subject: string,
    @Arg('version', () => Int) version: number,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchemaVersion> {
    return this.setState(ctx, subject, version, 'ARCHIVED', reason);
  }

  @Mutation(() => SchemaVersion, { description: 'Makes a DEPRECATED or ARCHIVED version ACTIVE again.' })
  activateSchemaVersion(
    @Arg('subject', () => String) subject: string,
    @Arg('version', () => Int) version: number,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<SchemaVersion> {
    return this.setState(ctx, subject, version, 'ACTIVE', reason);
  }

  @Mutation(() => ChangePolicyEnum, { description: 'Sets how changes to a subject are made: AUTO, REVIEW or LOCKED.' })
  setSchemaChangePolicy(
    @Arg('subject', () => String) subject: string,
    @Arg('policy', () => ChangePolicyEnum) policy: ChangePolicy,
    @Arg('reason', () => String, { defaultValue: '' }) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ChangePolicy> {
    mayControl(ctx, 'approve_schemas');
    return ctx.services.schemas.setChangePolicy(subject, policy, reason, ctx.producer);
  }

  @Subscription(() => AuditLogEntry, {
    description: 'Each registry change as it is applied (on any instance): registrations, proposals, decisions, states, policies, modes, deletes.',
    subscribe: ({ args, context }) => {
      const ctx = context as GraphQLContext;
      const allowed = () => mayControl(ctx, 'read_catalog');
      allowed();
      return guardedSubscription(ctx.services.schemas.subscribeChanges((args.subject as string | null) ?? undefined), allowed);
    },
  })
  schemaChanges(@Arg('subject', () => String, { nullable: true }) _subject: string | null, @Root() entry: AuditEntry): AuditLogEntry {
    return AuditLogEntry.from(entry);
  }

  private async setState(ctx: GraphQLContext, subject: string, version: number, state: VersionState, reason: string): Promise<SchemaVersion> {
    mayControl(ctx, 'approve_schemas');
    return SchemaVersion.from(await ctx.services.schemas.setVersionState(subject, version, state, reason, ctx.producer));
  }
}
