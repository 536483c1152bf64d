// Who may do what: roles give broad rights, ACLs refine them per stream and view, Kafka-style. An
// ACL names a principal (a key "key:<id>", a JWT subject "jwt:<sub>", a role "role:<role>", or "*"),
// a resource (a stream or a view, by literal name or by prefix), an operation and ALLOW or DENY.
// A DENY that matches always wins; else a matching ALLOW grants; else the principal's roles decide.
// Pure: the one function every entry point (GraphQL, REST, WebSocket) asks.

export const ROLES = ['admin', 'producer', 'consumer', 'steward', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Operations on a stream or view. */
export const DATA_OPERATIONS = ['produce', 'consume', 'query', 'manage'] as const;
export type DataOperation = (typeof DATA_OPERATIONS)[number];

/** Operations on the gateway itself, decided by role alone. */
export const CONTROL_OPERATIONS = ['manage_schemas', 'approve_schemas', 'manage_keys', 'manage_acls', 'read_audit', 'read_lineage', 'read_catalog', 'inject_faults'] as const;
export type ControlOperation = (typeof CONTROL_OPERATIONS)[number];

export type ResourceType = 'STREAM' | 'VIEW';

export interface Principal {
  /** "key:<id>", "jwt:<subject>", or "anonymous" (only when local development allows it). */
  id: string;
  /** A name to show in logs and the audit trail. */
  name: string;
  roles: readonly Role[];
  /** When the credential stops being valid (a JWT's exp), epoch ms. */
  expiresAt?: number;
}

export interface AclRule {
  id: string;
  principal: string;
  resourceType: ResourceType;
  patternType: 'LITERAL' | 'PREFIXED';
  resource: string;
  operation: DataOperation;
  permission: 'ALLOW' | 'DENY';
}

export interface Decision {
  allowed: boolean;
  /** Why, in words fit for an error message and the audit trail. */
  reason: string;
}

/** What each role may do to any stream or view, before ACLs. */
const ROLE_DATA_RIGHTS: Record<Role, readonly DataOperation[]> = {
  admin: DATA_OPERATIONS,
  producer: ['produce'],
  consumer: ['consume', 'query'],
  steward: ['query'],
  auditor: [],
};

const ROLE_CONTROL_RIGHTS: Record<Role, readonly ControlOperation[]> = {
  admin: CONTROL_OPERATIONS,
  producer: ['read_catalog'],
  consumer: ['read_catalog', 'read_lineage'],
  steward: ['manage_schemas', 'approve_schemas', 'read_catalog', 'read_lineage'],
  auditor: ['read_audit', 'read_lineage', 'read_catalog'],
};

function ruleApplies(rule: AclRule, principal: Principal, resourceType: ResourceType, resource: string, operation: DataOperation): boolean {
  if (rule.resourceType !== resourceType || rule.operation !== operation) return false;
  const named = rule.patternType === 'LITERAL' ? rule.resource === resource : resource.startsWith(rule.resource);
  if (!named) return false;
  return rule.principal === '*' || rule.principal === principal.id || principal.roles.some((role) => rule.principal === `role:${role}`);
}

export function authorizeData(principal: Principal, resourceType: ResourceType, resource: string, operation: DataOperation, rules: Iterable<AclRule>): Decision {
  const what = `${operation} on ${resourceType.toLowerCase()} "${resource}"`;
  let allow: AclRule | undefined;
  for (const rule of rules) {
    if (!ruleApplies(rule, principal, resourceType, resource, operation)) continue;
    if (rule.permission === 'DENY') return { allowed: false, reason: `${principal.name} may not ${what}: denied by ACL ${rule.id}` };
    allow ??= rule;
  }
  if (allow) return { allowed: true, reason: `allowed by ACL ${allow.id}` };
  const role = principal.roles.find((r) => ROLE_DATA_RIGHTS[r].includes(operation));
  if (role) return { allowed: true, reason: `allowed by role ${role}` };
  return { allowed: false, reason: `${principal.name} may not ${what}: no role (${principal.roles.join(', ') || 'none'}) or ACL grants it` };
}

export function authorizeControl(principal: Principal, operation: ControlOperation): Decision {
  const role = principal.roles.find((r) => ROLE_CONTROL_RIGHTS[r].includes(operation));
  if (role) return { allowed: true, reason: `allowed by role ${role}` };
  return { allowed: false, reason: `${principal.name} may not ${operation.replace('_', ' ')}: it needs a role that grants it, such as ${rolesGranting(operation).join(' or ')}` };
}

function rolesGranting(operation: ControlOperation): Role[] {
  return ROLES.filter((role) => ROLE_CONTROL_RIGHTS[role].includes(operation));
}

/** A stored API key: never the secret, only its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  roles: Role[];
  hash: string;
  createdAt: number;
  createdBy: string;
  /** Epoch ms after which the key is refused; absent: it does not expire. */
  expiresAt?: number;
  revokedAt?: number;
}
