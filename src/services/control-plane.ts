// Control-plane state (streams and views) as a replicated state machine on the `_meta` log topic:
// a change is appended as a command, every instance applies commands in log order, and a request
// returns once its own command has been applied here.

import { randomUUID } from 'node:crypto';
import { applyCatalogCommand, emptyCatalog, type CatalogCommand, type CatalogOutcome } from '../domain/catalog';
import type { StreamDefinition, ViewDefinition } from '../domain/definitions';
import type { AuditEntry } from '../domain/audit';
import type { AclRule, ApiKeyRecord } from '../domain/security/authorization';
import type { RegistryState } from '../domain/schemas/registry';
import { META_TOPIC } from '../domain/topics';
import type { EventLog } from '../ports/event-log';

interface MetaRecord {
  command: CatalogCommand;
}

export type AppliedListener = (outcome: CatalogOutcome, offset: number) => void;

const READ_CHUNK = 1_000;
/** Longest a follower sleeps between looks at `_meta` when no append wakes it. */
const FOLLOW_WAIT_MS = 1_000;
const OUTCOMES_KEPT = 1_000;

export class ControlPlane {
  private readonly state = emptyCatalog();
  private nextOffset = 0;
  private catchingUp: Promise<void> | undefined;
  private readonly outcomes = new Map<number, CatalogOutcome>();
  private readonly listeners: AppliedListener[] = [];

  constructor(private readonly log: EventLog) {}

  /** Replays the whole `_meta` topic; call once before serving. */
  async start(): Promise<void> {
    await this.catchUp();
  }

  /**
   * Keeps applying commands that other instances append, as they arrive, until `signal` aborts.
   * A failed look is reported and tried again; the state never skips a command.
   */
  async follow(signal: AbortSignal, onError: (error: unknown) => void): Promise<void> {
    while (!signal.aborted) {
      // Register for the wake-up before looking, so an append in between is not missed.
      const appended = this.log.waitForAppend(FOLLOW_WAIT_MS).catch(() => undefined);
      try {
        await this.catchUp();
      } catch (error) {
        if (signal.aborted) return;
        onError(error);
      }
      await appended;
    }
  }

  onApplied(listener: AppliedListener): void {
    this.listeners.push(listener);
  }

  /** Appends the command and resolves with its outcome once it has been applied in log order. */
  async submit(command: CatalogCommand): Promise<CatalogOutcome> {
    const record: MetaRecord = { command };
    // A unique key per command: Kafka refuses keyless records on a compacted topic, and compaction
    // must never fold two commands into one.
    const ack = await this.log.append(META_TOPIC, [record], { keys: [randomUUID()] });
    while (this.nextOffset <= ack.baseOffset) await this.catchUp();
    const outcome = this.outcomes.get(ack.baseOffset);
    this.outcomes.delete(ack.baseOffset);
    if (!outcome) throw new Error(`control-plane outcome for _meta offset ${ack.baseOffset} was lost`);
    return outcome;
  }

  /** Applies every command appended since the last catch-up. Concurrent callers share one pass. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.applyPending().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  streams(): StreamDefinition[] {
    return [...this.state.streams.values()];
  }

  stream(name: string): StreamDefinition | undefined {
    return this.state.streams.get(name);
  }

  views(): ViewDefinition[] {
    return [...this.state.views.values()];
  }

  view(name: string): ViewDefinition | undefined {
    return this.state.views.get(name);
  }

  /** API keys by id (hashes only). Read it; never change it. */
  keys(): ReadonlyMap<string, ApiKeyRecord> {
    return this.state.keys;
  }

  /** ACL rules by id. */
  acls(): ReadonlyMap<string, AclRule> {
    return this.state.acls;
  }

  /** Every change applied so far, oldest first. Read it; never change it. */
  audit(): readonly AuditEntry[] {
    return this.state.audit;
  }

  /** The schema registry's state, as of the commands applied so far. Read it; never change it. */
  registry(): RegistryState {
    return this.state.registry;
  }

  viewsOf(stream: string): ViewDefinition[] {
    return this.views().filter((view) => view.stream === stream);
  }

  private async applyPending(): Promise<void> {
    for (;;) {
      const records = await this.log.read<MetaRecord>(META_TOPIC, this.nextOffset, READ_CHUNK);
      if (records.length === 0) return;
      for (const { offset, value } of records) {
        // Only instances write `_meta`, but on a shared broker anything could: a record that is not a
        // command is skipped, the same way on every instance.
        const outcome: CatalogOutcome =
          typeof value?.command?.type === 'string'
            ? applyCatalogCommand(this.state, value.command)
            : { ok: false, type: 'CatalogRefused', code: 'BAD_USER_INPUT', path: 'command', message: `the record at _meta offset ${offset} is not a control-plane command; skipped` };
        this.nextOffset = offset + 1;
        this.outcomes.set(offset, outcome);
        this.outcomes.delete(offset - OUTCOMES_KEPT);
        for (const listener of this.listeners) listener(outcome, offset);
      }
    }
  }
}
