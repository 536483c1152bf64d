// Records every hop data takes (producer → stream → view, and the fields each view reads) in the
// lineage graph, and answers lineage queries.
//
// Writes run in the background, one at a time and in order, never on a request's path: a lineage
// store that is down must not fail an ingest whose events are already in the log. A write refused
// for a retriable reason (server gone, timeout) is retried with backoff until it lands, so nothing
// is lost while the store is away; every write is a merge, so a repeat changes nothing.

import type { CatalogOutcome } from '../domain/catalog';
import type { StreamDefinition, ViewDefinition } from '../domain/definitions';
import { formatDuration } from '../domain/duration';
import { GatewayError } from '../errors/gateway-error';
import { retry } from '../errors/retry';
import type { Logger } from '../observability/logger';
import {
  lineageNodeId,
  type LineageDirection,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  type LineageStore,
} from '../ports/lineage-store';

export const MAX_LINEAGE_DEPTH = 10;

export class Lineage {
  /** Producer→stream pairs already recorded by this process, so ingest writes each pair once. */
  private readonly knownProducers = new Set<string>();

  /** The chain of queued writes, in the order they were asked for. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** True from a failed write attempt until the next write lands. */
  private failing = false;
  /** Readers waiting for the queue to empty (or to start failing). */
  private waiters: (() => void)[] = [];
  private readonly closing = new AbortController();

  constructor(
    private readonly store: LineageStore,
    private readonly logger: Logger,
  ) {}

  /**
   * Records the lineage a control-plane change implies. Called in log order by every instance; the
   * writes are merges, so applying the same change twice (on replay) changes nothing.
   */
  follow(outcome: CatalogOutcome, streamOf: (name: string) => StreamDefinition | undefined): void {
    if (!outcome.ok) return;
    if (outcome.type === 'StreamCreated') {
      this.enqueue(() => this.recordStream(outcome.stream));
      return;
    }
    if (outcome.type === 'ViewCreated') {
      const stream = streamOf(outcome.view.stream);
      if (stream) this.enqueue(() => this.recordView(outcome.view, stream));
      return;
    }
    const added = addedVersion(outcome);
    if (added) this.enqueue(() => this.recordSchemaVersion(added.subject, added.version, streamOf));
  }

  /**
   * The views that read each of a stream's fields, from the lineage graph (field → READS → view);
   * fields no view reads are left out.
   */
  async viewsReading(stream: string, fields: readonly string[]): Promise<Map<string, string[]>> {
    await this.settled();
    const readers = new Map<string, string[]>();
    for (const field of fields) {
      const graph = await this.store.traverse(lineageNodeId('field', `${stream}.${field}`), 'DOWNSTREAM', 1);
      const views = (graph?.nodes ?? []).filter((node) => node.kind === 'view').map((node) => node.name).sort();
      if (views.length > 0) readers.set(field, views);
    }
    return readers;
  }

  /** Records, in the background, that `producer` wrote to `stream`; once per pair and process. */
  noteProducer(producer: string, stream: string, at: number): void {
    const pair = `${producer}\u0000${stream}`;
    if (this.knownProducers.has(pair)) return;
    this.knownProducers.add(pair);
    // A write given up on is asked for again by the pair's next ingest.
    this.enqueue(() => this.recordProducer(producer, stream, at), () => this.knownProducers.delete(pair));
  }

  /**
   * Waits up to `timeoutMs` for queued writes to land, then stops retrying. Writes still queued are
   * dropped; a restart asks for them again (the control plane replays, producers write again).
   */
  async close(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drained(), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.closing.abort();
  }

  private enqueue(write: () => Promise<void>, dropped?: () => void): void {
    this.queued += 1;
    this.queue = this.queue
      .then(() =>
        retry(write, {
          retries: Infinity,
          signal: this.closing.signal,
          onRetry: (error, attempt, delayMs) => {
            this.setFailing(true);
            this.logger.warn({ err: error, attempt, delayMs }, 'lineage write failed; retrying');
          },
        }),
      )
      .then(
        () => this.setFailing(false),
        (error: unknown) => {
          dropped?.();
          this.logger.error({ err: error }, 'lineage write dropped');
        },
      )
      .finally(() => {
        this.queued -= 1;
        if (this.queued === 0) this.wake();
      });
  }

  /** Resolves once every queued write has landed or been dropped. */
  private drained(): Promise<void> {
    return this.queued === 0 ? Promise.resolve() : this.queue.then(() => (this.queued === 0 ? undefined : this.drained()));
  }

  /** Resolves once the queue is empty, or at once while the store is failing (reads will say so). */
  private settled(): Promise<void> {
    if (this.queued === 0 || this.failing) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private setFailing(failing: boolean): void {
    this.failing = failing;
    if (failing) this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private async recordStream(stream: StreamDefinition): Promise<void> {
    await this.store.upsert([streamNode(stream)], []);
  }

  private async recordView(view: ViewDefinition, stream: StreamDefinition): Promise<void> {
    const viewId = lineageNodeId('view', view.name);
    const streamId = lineageNodeId('stream', view.stream);
    const nodes: LineageNode[] = [
      streamNode(stream),
      {
        id: viewId,
        kind: 'view',
        name: view.name,
        properties: {
          window: formatDuration(view.windowMs),
          hop: view.hopMs === null ? null : formatDuration(view.hopMs),
          groupBy: view.groupBy,
          createdAt: new Date(view.createdAt).toISOString(),
        },
      },
    ];
    const edges: LineageEdge[] = [
      {
        from: streamId,
        to: viewId,
        kind: 'FEEDS',
        properties: { measures: view.measures.map((m) => ({ name: m.name, fn: m.fn, field: m.field ?? null })) },
      },
    ];
    const readers = new Map<string, string[]>();
    for (const field of view.groupBy) readers.set(field, ['groupBy']);
    for (const measure of view.measures) {
      if (measure.field) readers.set(measure.field, [...(readers.get(measure.field) ?? []), `${measure.fn}(${measure.name})`]);
    }
    for (const [field, usedBy] of readers) {
      const fieldId = lineageNodeId('field', `${view.stream}.${field}`);
      nodes.push({ id: fieldId, kind: 'field', name: `${view.stream}.${field}`, properties: { stream: view.stream, path: field } });
      edges.push({ from: streamId, to: fieldId, kind: 'HAS_FIELD', properties: {} });
      edges.push({ from: fieldId, to: viewId, kind: 'READS', properties: { usedBy } });
    }
    await this.store.upsert(nodes, edges);
  }

  /** A schema version as a node that shapes its stream (subject "<stream>-value"). */
  private async recordSchemaVersion(subject: string, version: number, streamOf: (name: string) => StreamDefinition | undefined): Promise<void> {
    const node: LineageNode = { id: lineageNodeId('schema', `${subject}/${version}`), kind: 'schema', name: `${subject}/${version}`, properties: { subject, version } };
    const stream = subject.endsWith(VALUE_SUFFIX) ? streamOf(subject.slice(0, -VALUE_SUFFIX.length)) : undefined;
    const edges: LineageEdge[] = stream ? [{ from: node.id, to: lineageNodeId('stream', stream.name), kind: 'SHAPES', properties: {} }] : [];
    await this.store.upsert(stream ? [node, streamNode(stream)] : [node], edges);
  }

  private async recordProducer(producer: string, stream: string, at: number): Promise<void> {
    const producerId = lineageNodeId('producer', producer);
    await this.store.upsert(
      [{ id: producerId, kind: 'producer', name: producer, properties: {} }],
      [{ from: producerId, to: lineageNodeId('stream', stream), kind: 'PRODUCES_TO', properties: { firstSeenAt: new Date(at).toISOString() } }],
    );
  }

  async graph(node: string, direction: LineageDirection, depth: number): Promise<LineageGraph> {
    if (!Number.isInteger(depth) || depth < 0 || depth > MAX_LINEAGE_DEPTH) {
      throw new GatewayError('BAD_USER_INPUT', `depth must be an integer from 0 to ${MAX_LINEAGE_DEPTH}; got ${depth}`, { path: 'depth' });
    }
    // Read what this instance has written, unless the store is down: then the read says so at once.
    await this.settled();
    const graph = await this.store.traverse(node, direction, depth);
    if (!graph) {
      throw new GatewayError('NOT_FOUND', `lineage node "${node}" does not exist; ids look like stream:<name>, view:<name>, producer:<name>`, {
        path: 'node',
      });
    }
    return graph;
  }
}

const VALUE_SUFFIX = '-value';

/** The subject version a registry change added, if it added one. */
function addedVersion(outcome: CatalogOutcome): { subject: string; version: number } | undefined {
  if (!outcome.ok) return undefined;
  if (outcome.type === 'SchemaRegistered' && !outcome.existing) return { subject: outcome.subject, version: outcome.version };
  if ((outcome.type === 'SchemaProposed' || outcome.type === 'ProposalDecided') && outcome.proposal.status === 'APPROVED' && outcome.proposal.version !== undefined) {
    return { subject: outcome.proposal.subject, version: outcome.proposal.version };
  }
  return undefined;
}

function streamNode(stream: StreamDefinition): LineageNode {
  return {
    id: lineageNodeId('stream', stream.name),
    kind: 'stream',
    name: stream.name,
    properties: { description: stream.description, timestampField: stream.timestampField, createdAt: new Date(stream.createdAt).toISOString() },
  };
}
