import { describe, expect, it } from 'vitest';
import { newApiKey, parseApiKey, secretMatches } from '../../src/domain/security/api-keys';
import {
  authorizeControl,
  authorizeData,
  CONTROL_OPERATIONS,
  DATA_OPERATIONS,
  ROLES,
  type AclRule,
  type Principal,
  type Role,
} from '../../src/domain/security/authorization';

const as = (role: Role, id = `key:${role}`): Principal => ({ id, name: `${role}-key`, roles: [role] });
const rule = (over: Partial<AclRule>): AclRule => ({
  id: 'acl-1',
  principal: '*',
  resourceType: 'STREAM',
  patternType: 'LITERAL',
  resource: 'orders',
  operation: 'produce',
  permission: 'ALLOW',
  ...over,
});

describe('roles without ACLs', () => {
  const dataRights: Record<Role, string[]> = {
    admin: ['produce', 'consume', 'query', 'manage'],
    producer: ['produce'],
    consumer: ['consume', 'query'],
    steward: ['query'],
    auditor: [],
  };
  const controlRights: Record<Role, string[]> = {
    admin: [...CONTROL_OPERATIONS],
    producer: ['read_catalog'],
    consumer: ['read_catalog', 'read_lineage'],
    steward: ['manage_schemas', 'approve_schemas', 'read_catalog', 'read_lineage'],
    auditor: ['read_audit', 'read_lineage', 'read_catalog'],
  };

  for (const role of ROLES) {
    it.each(DATA_OPERATIONS.map((op) => [op]))(`${role} × %s on a stream`, (operation) => {
      expect(authorizeData(as(role), 'STREAM', 'orders', operation, []).allowed).toBe(dataRights[role].includes(operation));
    });
    it.each(CONTROL_OPERATIONS.map((op) => [op]))(`${role} × %s`, (operation) => {
      expect(authorizeControl(as(role), operation).allowed).toBe(controlRights[role].includes(operation));
    });
  }

  it('says who was refused, what, and which roles would do', () => {
    expect(authorizeData(as('auditor'), 'VIEW', 'revenue', 'query', []).reason).toBe('auditor-key may not query on view "revenue": no role (auditor) or ACL grants it');
    expect(authorizeControl(as('producer'), 'approve_schemas').reason).toBe('producer-key may not approve schemas: it needs a role that grants it, such as admin or steward');
  });
});

describe('ACLs', () => {
  const producer = as('producer', 'key:p1');

  it('lets a DENY win over a role and over an ALLOW', () => {
    const rules = [rule({ id: 'allow-all', principal: '*' }), rule({ id: 'deny-p1', principal: 'key:p1', permission: 'DENY' })];
    expect(authorizeData(producer, 'STREAM', 'orders', 'produce', rules)).toEqual({ allowed: false, reason: 'producer-key may not produce on stream "orders": denied by ACL deny-p1' });
    expect(authorizeData(as('producer', 'key:p2'), 'STREAM', 'orders', 'produce', rules).allowed).toBe(true);
  });

  it('matches prefixed resources, literal ones exactly, and the resource type', () => {
    const rules = [rule({ id: 'deny-payments', patternType: 'PREFIXED', resource: 'payments_', permission: 'DENY', principal: 'role:producer' })];
    expect(authorizeData(producer, 'STREAM', 'payments_eu', 'produce', rules).allowed).toBe(false);
    expect(authorizeData(producer, 'STREAM', 'payment', 'produce', rules).allowed).toBe(true);
    expect(authorizeData(producer, 'VIEW', 'payments_eu', 'produce', rules).allowed).toBe(true);
    const literal = [rule({ resource: 'orders', permission: 'DENY' })];
    expect(authorizeData(producer, 'STREAM', 'orders_eu', 'produce', literal).allowed).toBe(true);
  });

  it('grants what a role lacks through an ALLOW, for that principal, resource and operation only', () => {
    const auditor = as('auditor', 'key:a1');
    const rules = [rule({ id: 'a1-reads-revenue', principal: 'key:a1', resourceType: 'VIEW', resource: 'revenue', operation: 'query' })];
    expect(authorizeData(auditor, 'VIEW', 'revenue', 'query', rules)).toEqual({ allowed: true, reason: 'allowed by ACL a1-reads-revenue' });
    expect(authorizeData(auditor, 'VIEW', 'revenue', 'consume', rules).allowed).toBe(false);
    expect(authorizeData(auditor, 'VIEW', 'costs', 'query', rules).allowed).toBe(false);
    expect(authorizeData(as('auditor', 'key:a2'), 'VIEW', 'revenue', 'query', rules).allowed).toBe(false);
  });
});

describe('API keys', () => {
  it('are shown once as trb_<id>_<secret>, stored as a hash, and checked in constant time', () => {
    const key = newApiKey();
    expect(key.token).toMatch(/^trb_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.token).not.toContain(key.hash);
    const parsed = parseApiKey(key.token)!;
    expect(parsed.id).toBe(key.id);
    expect(secretMatches(parsed.secret, key.hash)).toBe(true);
    expect(secretMatches(`${parsed.secret.slice(0, -1)}A`, key.hash)).toBe(parsed.secret.endsWith('A'));
    expect(secretMatches(parsed.secret, 'abcd')).toBe(false);
    expect(newApiKey().id).not.toBe(key.id);
  });

  it.each(['', 'trb_short_x', `trb_${'a'.repeat(12)}_${'b'.repeat(42)}`, `xyz_${'a'.repeat(12)}_${'b'.repeat(43)}`])('refuses the malformed key %j', (token) => {
    expect(parseApiKey(token)).toBeUndefined();
  });
});
