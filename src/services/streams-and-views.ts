// Use cases for defining streams and views: validate the draft, submit it to the control plane,
// and turn the outcome into a definition or a typed error.

import type { AuditEntry } from '../domain/audit';
import type { CatalogOutcome } from '../domain/catalog';
import {
  checkStreamDraft,
  checkViewDraft,
  DEFAULT_DEDUP_HORIZON_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type RuleViolation,
  type StreamDefinition,
  type StreamDraft,
  type ViewDefinition,
  type ViewDraft,
} from '../domain/definitions';
import { parseDuration } from '../domain/duration';
import { GatewayError } from '../errors/gateway-error';
import { eventTopic } from '../domain/topics';
import type { Clock } from '../ports/clock';
import type { EventLog } from '../ports/event-log';
import type { ControlPlane } from './control-plane';

export class StreamsAndViews {
  constructor(
    private readonly controlPlane: ControlPlane,
    private readonly log: EventLog,
    private readonly clock: Clock,
    private readonly defaultWatermarkDelayMs: number,
  ) {}

  async createStream(draft: StreamDraft, actor: string): Promise<StreamDefinition> {
    rejectViolations('stream', checkStreamDraft(draft));
    const stream: StreamDefinition = {
      name: draft.name,
      description: draft.description ?? '',
      timestampField: draft.timestampField ?? 'ts',
      watermarkDelayMs: draft.watermarkDelay == null ? this.defaultWatermarkDelayMs : parseDuration(draft.watermarkDelay)!,
      partitionKey: draft.partitionKey ?? null,
      partitions: draft.partitions ?? null,
      replicationFactor: draft.replicationFactor ?? null,
      eventIdField: draft.eventIdField ?? null,
      dedupHorizonMs: draft.dedupHorizon == null ? DEFAULT_DEDUP_HORIZON_MS : parseDuration(draft.dedupHorizon)!,
      idleTimeoutMs: draft.idleTimeout == null ? DEFAULT_IDLE_TIMEOUT_MS : parseDuration(draft.idleTimeout)!,
      createdAt: this.clock.now(),
      createdBy: actor,
    };
    // The topic exists before the stream does, so its first event cannot create it with the defaults.
    await this.log.createTopic(eventTopic(stream.name), {
      partitions: stream.partitions ?? undefined,
      replicationFactor: stream.replicationFactor ?? undefined,
    });
    const outcome = await this.controlPlane.submit({ type: 'CreateStream', stream });
    if (outcome.ok && outcome.type === 'StreamCreated') return outcome.stream;
    throw outcomeError(outcome);
  }

  async createView(draft: ViewDraft, actor: string): Promise<ViewDefinition> {
    rejectViolations('view', checkViewDraft(draft));
    if (!this.controlPlane.stream(draft.stream)) {
      throw new GatewayError('UNKNOWN_STREAM', `stream "${draft.stream}" does not exist; create it with createStream first`, {
        path: 'stream',
      });
    }
    const view: ViewDefinition = {
      name: draft.name,
      stream: draft.stream,
      description: draft.description ?? '',
      // For session windows the size is the gap: the least a session spans.
      windowMs: parseDuration(draft.session ?? draft.window!)!,
      hopMs: draft.hop == null ? null : parseDuration(draft.hop)!,
      sessionGapMs: draft.session == null ? null : parseDuration(draft.session)!,
      allowedLatenessMs: draft.allowedLateness == null ? 0 : parseDuration(draft.allowedLateness)!,
      fromMs: draft.fromMs ?? null,
      generation: 0,
      groupBy: draft.groupBy ?? [],
      measures: draft.measures.map((m) => (m.field ? { name: m.name, fn: m.fn, field: m.field } : { name: m.name, fn: m.fn })),
      createdAt: this.clock.now(),
      createdBy: actor,
    };
    const outcome = await this.controlPlane.submit({ type: 'CreateView', view });
    if (outcome.ok && outcome.type === 'ViewCreated') return outcome.view;
    throw outcomeError(outcome);
  }

  /**
   * Recomputes a view from the stream's history (leaving out events before `fromMs` when given) as
   * its next generation; from then on only the new generation's rows and late events are the view's.
   */
  async rebuildView(name: string, fromMs: number | null, actor: string, reason?: string): Promise<ViewDefinition> {
    this.requireView(name, 'name');
    const outcome = await this.controlPlane.submit({ type: 'RebuildView', name, fromMs, at: this.clock.now(), actor, ...(reason ? { reason } : {}) });
    if (outcome.ok && outcome.type === 'ViewRebuilt') return outcome.view;
    throw outcomeError(outcome);
  }

  streams(): StreamDefinition[] {
    return this.controlPlane.streams().sort(byName);
  }

  views(stream?: string): ViewDefinition[] {
    return (stream === undefined ? this.controlPlane.views() : this.controlPlane.viewsOf(stream)).sort(byName);
  }

  /** Every control-plane change so far, oldest first. */
  audit(): readonly AuditEntry[] {
    return this.controlPlane.audit();
  }

  stream(name: string): StreamDefinition | undefined {
    return this.controlPlane.stream(name);
  }

  view(name: string): ViewDefinition | undefined {
    return this.controlPlane.view(name);
  }

  requireStream(name: string, path = 'stream'): StreamDefinition {
    const stream = this.controlPlane.stream(name);
    if (!stream) throw new GatewayError('UNKNOWN_STREAM', `stream "${name}" does not exist`, { path });
    return stream;
  }

  requireView(name: string, path = 'view'): ViewDefinition {
    const view = this.controlPlane.view(name);
    if (!view) throw new GatewayError('UNKNOWN_VIEW', `view "${name}" does not exist`, { path });
    return view;
  }
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function rejectViolations(what: string, violations: RuleViolation[]): void {
  if (violations.length === 0) return;
  const [first] = violations;
  const more = violations.length > 1 ? ` (and ${violations.length - 1} more problem${violations.length > 2 ? 's' : ''})` : '';
  throw new GatewayError('BAD_USER_INPUT', `invalid ${what}: ${first.message}${more}`, {
    path: first.path,
    details: { rule: first.rule, violations },
  });
}

function outcomeError(outcome: CatalogOutcome): GatewayError {
  if (outcome.ok || outcome.type !== 'CatalogRefused') return new GatewayError('INTERNAL', `unexpected control-plane outcome ${outcome.type}`);
  return new GatewayError(outcome.code, outcome.message, { path: outcome.path });
}
