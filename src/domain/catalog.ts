// The catalog of streams and views as a deterministic state machine over control-plane commands.
// Every instance applies the same commands in log order and reaches the same state; on a conflict
// the command that reached the log first wins.

import { MAX_VIEW_GENERATION, type StreamDefinition, type ViewDefinition } from './definitions';
import { appendAudit, type AuditEntry, type AuditRecord } from './audit';
import type { AclRule, ApiKeyRecord } from './security/authorization';
import { applyRegistryCommand, emptyRegistry, type RegistryCommand, type RegistryOutcome, type RegistryState } from './schemas/registry';

export type SecurityCommand =
  | { type: 'CreateApiKey'; key: ApiKeyRecord; at: number; actor: string }
  | { type: 'RevokeApiKey'; id: string; at: number; actor: string; reason?: string }
  | { type: 'PutAcl'; rule: AclRule; at: number; actor: string; reason?: string }
  | { type: 'RemoveAcl'; id: string; at: number; actor: string; reason?: string }
  /** Refused requests, tallied by the instance that refused them (see domain/security/access-refusals.ts). */
  | { type: 'RecordRefusals'; records: AuditRecord[] };

export type CatalogCommand =
  | { type: 'CreateStream'; stream: StreamDefinition }
  | { type: 'CreateView'; view: ViewDefinition }
  /** Recompute a view from the stream's history (from `fromMs` when given) as its next generation. */
  | { type: 'RebuildView'; name: string; fromMs: number | null; at: number; actor: string; reason?: string }
  | RegistryCommand
  | SecurityCommand;

export type CatalogOutcome =
  | { ok: true; type: 'StreamCreated'; stream: StreamDefinition }
  | { ok: true; type: 'ViewCreated'; view: ViewDefinition }
  | { ok: true; type: 'ViewRebuilt'; view: ViewDefinition }
  | { ok: false; type: 'CatalogRefused'; code: 'ALREADY_EXISTS' | 'UNKNOWN_STREAM' | 'BAD_USER_INPUT' | 'NOT_FOUND'; message: string; path: string }
  | { ok: true; type: 'ApiKeyCreated'; key: ApiKeyRecord }
  | { ok: true; type: 'ApiKeyRevoked'; key: ApiKeyRecord }
  | { ok: true; type: 'AclPut'; rule: AclRule }
  | { ok: true; type: 'AclRemoved'; rule: AclRule }
  | { ok: true; type: 'RefusalsRecorded'; count: number }
  | RegistryOutcome;

export interface CatalogState {
  streams: Map<string, StreamDefinition>;
  views: Map<string, ViewDefinition>;
  registry: RegistryState;
  /** API keys by id (hashes only) and ACL rules by id. */
  keys: Map<string, ApiKeyRecord>;
  acls: Map<string, AclRule>;
  /** Every applied change, streams and views as well as the registry's. */
  audit: AuditEntry[];
}

export function emptyCatalog(): CatalogState {
  const audit: AuditEntry[] = [];
  return { streams: new Map(), views: new Map(), registry: emptyRegistry(audit), keys: new Map(), acls: new Map(), audit };
}

/** Applies one command in place and says what happened. Never throws on a well-formed command. */
export function applyCatalogCommand(state: CatalogState, command: CatalogCommand): CatalogOutcome {
  switch (command.type) {
    case 'CreateStream': {
      const { stream } = command;
      if (state.streams.has(stream.name)) {
        return { ok: false, type: 'CatalogRefused', code: 'ALREADY_EXISTS', path: 'name', message: `stream "${stream.name}" already exists` };
      }
      state.streams.set(stream.name, stream);
      appendAudit(state.audit, {
        at: stream.createdAt,
        actor: stream.createdBy,
        action: 'CREATE_STREAM',
        resource: `stream:${stream.name}`,
        detail: `timestamp field ${stream.timestampField}, watermark delay ${stream.watermarkDelayMs} ms${stream.partitionKey ? `, partition key ${stream.partitionKey}` : ''}`,
      });
      return { ok: true, type: 'StreamCreated', stream };
    }
    case 'CreateView': {
      const { view } = command;
      if (state.views.has(view.name)) {
        return { ok: false, type: 'CatalogRefused', code: 'ALREADY_EXISTS', path: 'name', message: `view "${view.name}" already exists` };
      }
      const stream = state.streams.get(view.stream);
      if (!stream) {
        return { ok: false, type: 'CatalogRefused', code: 'UNKNOWN_STREAM', path: 'stream', message: `stream "${view.stream}" does not exist` };
      }
      if (view.groupBy.includes(stream.timestampField)) {
        return {
          ok: false,
          type: 'CatalogRefused',
          code: 'BAD_USER_INPUT',
          path: 'groupBy',
          message: `groupBy cannot use the timestamp field "${stream.timestampField}"; windows already split by time`,
        };
      }
      state.views.set(view.name, view);
      appendAudit(state.audit, {
        at: view.createdAt,
        actor: view.createdBy,
        action: 'CREATE_VIEW',
        resource: `view:${view.name}`,
        detail: `on stream ${view.stream}: ${view.measures.map((m) => `${m.fn}(${m.field ?? ''}) as ${m.name}`).join(', ')}${view.groupBy.length ? ` by ${view.groupBy.join(', ')}` : ''}`,
      });
      return { ok: true, type: 'ViewCreated', view };
    }
    case 'RebuildView': {
      const old = state.views.get(command.name);
      if (!old) return { ok: false, type: 'CatalogRefused', code: 'NOT_FOUND', path: 'name', message: `view "${command.name}" does not exist` };
      const generation = (old.generation ?? 0) + 1;
      if (generation > MAX_VIEW_GENERATION) {
        return { ok: false, type: 'CatalogRefused', code: 'BAD_USER_INPUT', path: 'name', message: `view "${command.name}" has been rebuilt ${MAX_VIEW_GENERATION} times, the most it may be` };
      }
      const view: ViewDefinition = { ...old, generation, fromMs: command.fromMs };
      state.views.set(view.name, view);
      appendAudit(state.audit, {
        at: command.at,
        actor: command.actor,
        action: 'REBUILD_VIEW',
        resource: `view:${view.name}`,
        detail: `generation ${generation}, from ${command.fromMs === null ? 'the start of the stream' : new Date(command.fromMs).toISOString()}`,
        ...(command.reason ? { reason: command.reason } : {}),
      });
      return { ok: true, type: 'ViewRebuilt', view };
    }
    case 'CreateApiKey': {
      const { key } = command;
      if (state.keys.has(key.id)) return { ok: false, type: 'CatalogRefused', code: 'ALREADY_EXISTS', path: 'id', message: `API key ${key.id} already exists` };
      state.keys.set(key.id, key);
      // The hash never reaches the audit trail.
      appendAudit(state.audit, { at: command.at, actor: command.actor, action: 'CREATE_API_KEY', resource: `key:${key.id}`, detail: `"${key.name}" with roles ${key.roles.join(', ')}${key.expiresAt ? `, expires ${new Date(key.expiresAt).toISOString()}` : ''}` });
      return { ok: true, type: 'ApiKeyCreated', key };
    }
    case 'RevokeApiKey': {
      const key = state.keys.get(command.id);
      if (!key || key.revokedAt !== undefined) return { ok: false, type: 'CatalogRefused', code: 'NOT_FOUND', path: 'id', message: `no live API key with id ${command.id}` };
      key.revokedAt = command.at;
      appendAudit(state.audit, { at: command.at, actor: command.actor, action: 'REVOKE_API_KEY', resource: `key:${key.id}`, detail: `"${key.name}"`, ...(command.reason ? { reason: command.reason } : {}) });
      return { ok: true, type: 'ApiKeyRevoked', key };
    }
    case 'PutAcl': {
      const { rule } = command;
      state.acls.set(rule.id, rule);
      appendAudit(state.audit, {
        at: command.at,
        actor: command.actor,
        action: 'PUT_ACL',
        resource: `acl:${rule.id}`,
        detail: `${rule.permission} ${rule.principal} ${rule.operation} on ${rule.resourceType.toLowerCase()} ${rule.patternType === 'PREFIXED' ? `${rule.resource}*` : rule.resource}`,
        ...(command.reason ? { reason: command.reason } : {}),
      });
      return { ok: true, type: 'AclPut', rule };
    }
    case 'RemoveAcl': {
      const rule = state.acls.get(command.id);
      if (!rule) return { ok: false, type: 'CatalogRefused', code: 'NOT_FOUND', path: 'id', message: `no ACL with id ${command.id}` };
      state.acls.delete(command.id);
      appendAudit(state.audit, { at: command.at, actor: command.actor, action: 'REMOVE_ACL', resource: `acl:${rule.id}`, detail: `${rule.permission} ${rule.principal} ${rule.operation}`, ...(command.reason ? { reason: command.reason } : {}) });
      return { ok: true, type: 'AclRemoved', rule };
    }
    case 'RecordRefusals':
      for (const record of command.records) appendAudit(state.audit, record);
      return { ok: true, type: 'RefusalsRecorded', count: command.records.length };
    default:
      return applyRegistryCommand(state.registry, command);
  }
}
