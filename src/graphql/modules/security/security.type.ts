import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { DATA_OPERATIONS, ROLES, type AclRule, type ApiKeyRecord } from '../../../domain/security/authorization';
import { namesEnum } from '../../names-enum';

export const RoleEnum = namesEnum(ROLES);
registerEnumType(RoleEnum, { name: 'Role', description: 'admin: everything. producer: ingest. consumer: query, subscribe, quarantine and lineage. steward: schemas, approvals, query and lineage. auditor: audit trail and lineage, read-only. Every role reads the catalog (streams, views, schema subjects).' });
export const DataOperationEnum = namesEnum(DATA_OPERATIONS);
registerEnumType(DataOperationEnum, { name: 'AclOperation', description: 'produce (ingest), consume (subscribe, quarantine), query (aggregates), manage (create).' });
export const ResourceTypeEnum = namesEnum(['STREAM', 'VIEW'] as const);
registerEnumType(ResourceTypeEnum, { name: 'AclResourceType' });
export const PatternTypeEnum = namesEnum(['LITERAL', 'PREFIXED'] as const);
registerEnumType(PatternTypeEnum, { name: 'AclPatternType', description: 'LITERAL: the resource named exactly. PREFIXED: every resource whose name starts with it.' });
export const PermissionEnum = namesEnum(['ALLOW', 'DENY'] as const);
registerEnumType(PermissionEnum, { name: 'AclPermission', description: 'A DENY that matches always wins.' });

@ObjectType({ description: 'An API key as stored: never the secret.' })
export class ApiKey {
  @Field(() => String)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [RoleEnum])
  roles!: string[];

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => String)
  createdBy!: string;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  static from(key: ApiKeyRecord): ApiKey {
    return Object.assign(new ApiKey(), {
      id: key.id,
      name: key.name,
      roles: key.roles,
      createdAt: new Date(key.createdAt),
      createdBy: key.createdBy,
      expiresAt: key.expiresAt === undefined ? null : new Date(key.expiresAt),
      revokedAt: key.revokedAt === undefined ? null : new Date(key.revokedAt),
    });
  }
}

@ObjectType()
export class NewApiKey {
  @Field(() => String, { description: 'The whole key, "trb_<id>_<secret>": shown this once and never again.' })
  token!: string;

  @Field(() => ApiKey)
  key!: ApiKey;
}

@ObjectType({ description: 'One access rule, Kafka-style.' })
export class Acl {
  @Field(() => String)
  id!: string;

  @Field(() => String, { description: '"key:<id>", "role:<role>", or "*" for everyone.' })
  principal!: string;

  @Field(() => ResourceTypeEnum)
  resourceType!: string;

  @Field(() => PatternTypeEnum)
  patternType!: string;

  @Field(() => String)
  resource!: string;

  @Field(() => DataOperationEnum)
  operation!: string;

  @Field(() => PermissionEnum)
  permission!: string;

  static from(rule: AclRule): Acl {
    return Object.assign(new Acl(), rule);
  }
}

@InputType()
export class AclInput {
  @Field(() => String, { description: '"key:<id>", "role:<role>", or "*".' })
  principal!: string;

  @Field(() => ResourceTypeEnum)
  resourceType!: 'STREAM' | 'VIEW';

  @Field(() => PatternTypeEnum, { defaultValue: 'LITERAL' })
  patternType!: 'LITERAL' | 'PREFIXED';

  @Field(() => String)
  resource!: string;

  @Field(() => DataOperationEnum)
  operation!: AclRule['operation'];

  @Field(() => PermissionEnum)
  permission!: 'ALLOW' | 'DENY';
}
