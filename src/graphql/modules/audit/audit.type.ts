import { Field, Int, ObjectType } from 'type-graphql';
import { resultOf, type AuditEntry } from '../../../domain/audit';

@ObjectType({
  description:
    'One change to the control plane (who made it, when, what it was and why), or a tally of refused requests alike (AUTHENTICATION_FAILED, AUTHORIZATION_FAILED): who they claimed to be, where they came from, what they tried, and how many.',
})
export class AuditLogEntry {
  @Field(() => Int)
  sequence!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  actor!: string;

  @Field(() => String, {
    description:
      'e.g. CREATE_STREAM, CREATE_VIEW, REGISTER_SCHEMA, APPROVE_SCHEMA, SET_COMPATIBILITY, CREATE_API_KEY, PUT_ACL; AUTHENTICATION_FAILED and AUTHORIZATION_FAILED for refusals, ACCESS_REFUSALS_NOT_ITEMIZED for the count of refusals past the itemized kinds of one period.',
  })
  action!: string;

  @Field(() => String, { description: '"stream:<name>", "view:<name>", "subject:<name>", "key:<id>", "acl:<id>", "registry" for global settings, or "gateway" for refusals of no one stream or view.' })
  resource!: string;

  @Field(() => String, { nullable: true, description: 'For registry changes: the subject changed; null for global settings and non-registry changes.' })
  subject!: string | null;

  @Field(() => Int, { nullable: true })
  version!: number | null;

  @Field(() => String)
  detail!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => String, { description: 'APPLIED for a change; for a refusal, its code: UNAUTHENTICATED or FORBIDDEN.' })
  result!: string;

  @Field(() => String, { nullable: true, description: "Refusals: the client's address." })
  source!: string | null;

  @Field(() => String, { nullable: true, description: 'Refusals: how the requests reached the gateway, e.g. "POST /graphql", "graphql-ws", "GET /schema-registry/subjects".' })
  via!: string | null;

  @Field(() => String, { nullable: true, description: 'Refusals: what was tried, e.g. authenticate, produce, consume, manage_keys.' })
  operation!: string | null;

  @Field(() => Int, { description: 'How many requests this entry stands for: 1 for a change; for refusals, how many alike were refused between at and lastAt.' })
  count!: number;

  @Field(() => Date, { description: 'The last refusal this entry counts (equal to at for a change).' })
  lastAt!: Date;

  static from(entry: AuditEntry): AuditLogEntry {
    const subject = entry.resource.startsWith('subject:') ? entry.resource.slice('subject:'.length) : null;
    return Object.assign(new AuditLogEntry(), {
      ...entry,
      subject,
      at: new Date(entry.at),
      lastAt: new Date(entry.lastAt ?? entry.at),
      version: entry.version ?? null,
      reason: entry.reason ?? null,
      result: resultOf(entry),
      source: entry.source ?? null,
      via: entry.via ?? null,
      operation: entry.operation ?? null,
      count: entry.count ?? 1,
    });
  }
}
