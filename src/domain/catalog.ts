// The catalog of streams and views as a deterministic state machine over control-plane commands.
// Every instance applies the same commands in log order and reaches the same state; on a conflict
// the command that reached the log first wins.

import type { StreamDefinition, ViewDefinition } from './definitions';
import { appendAudit, type AuditEntry } from './audit';
import { applyRegistryCommand, emptyRegistry, type RegistryCommand, type RegistryOutcome, type RegistryState } from './schemas/registry';

export type CatalogCommand = { type: 'CreateStream'; stream: StreamDefinition } | { type: 'CreateView'; view: ViewDefinition } | RegistryCommand;

export type CatalogOutcome =
  | { ok: true; type: 'StreamCreated'; stream: StreamDefinition }
  | { ok: true; type: 'ViewCreated'; view: ViewDefinition }
  | { ok: false; type: 'CatalogRefused'; code: 'ALREADY_EXISTS' | 'UNKNOWN_STREAM' | 'BAD_USER_INPUT'; message: string; path: string }
  | RegistryOutcome;

export interface CatalogState {
  streams: Map<string, StreamDefinition>;
  views: Map<string, ViewDefinition>;
  registry: RegistryState;
  /** Every applied change, streams and views as well as the registry's. */
  audit: AuditEntry[];
}

export function emptyCatalog(): CatalogState {
  const audit: AuditEntry[] = [];
  return { streams: new Map(), views: new Map(), registry: emptyRegistry(audit), audit };
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
    default:
      return applyRegistryCommand(state.registry, command);
  }
}
