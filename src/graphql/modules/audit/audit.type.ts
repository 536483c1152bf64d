import { Field, Int, ObjectType } from 'type-graphql';
import type { AuditEntry } from '../../../domain/audit';

@ObjectType({ description: 'One change to the control plane: who made it, when, what it was and why.' })
export class AuditLogEntry {
  @Field(() => Int)
  sequence!: number;

  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  actor!: string;

  @Field(() => String, { description: 'e.g. CREATE_STREAM, CREATE_VIEW, REGISTER_SCHEMA, APPROVE_SCHEMA, SET_COMPATIBILITY.' })
  action!: string;

  @Field(() => String, { description: '"stream:<name>", "view:<name>", "subject:<name>", or "registry" for global settings.' })
  resource!: string;

  @Field(() => String, { nullable: true, description: 'For registry changes: the subject changed; null for global settings and non-registry changes.' })
  subject!: string | null;

  @Field(() => Int, { nullable: true })
  version!: number | null;

  @Field(() => String)
  detail!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  static from(entry: AuditEntry): AuditLogEntry {
    const subject = entry.resource.startsWith('subject:') ? entry.resource.slice('subject:'.length) : null;
    return Object.assign(new AuditLogEntry(), { ...entry, subject, at: new Date(entry.at), version: entry.version ?? null, reason: entry.reason ?? null });
  }
}
