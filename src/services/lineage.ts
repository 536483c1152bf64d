// Records every hop data takes (producer → stream → view, and the fields each view reads) in the
// lineage graph, and answers lineage queries.

import type { CatalogOutcome } from '../domain/catalog';
import type { StreamDefinition, ViewDefinition } from '../domain/definitions';
import { formatDuration } from '../domain/duration';
import { GatewayError } from '../errors/gateway-error';
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

  /** Lineage writes that follow control-plane changes, in the order the changes were applied. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: LineageStore,
    private readonly onWriteError: (error: unknown) => void,
  ) {}

  /**
   * Records the lineage a control-plane change implies. Called in log order by every instance; the
   * writes are merges, so applying the same change twice (on replay) changes nothing.
   */
  follow(outcome: CatalogOutcome, streamOf: (name: string) => StreamDefinition | undefined): void {
    if (!outcome.ok) return;
    const write =
      outcome.type === 'StreamCreated'
        ? () => this.recordStream(outcome.stream)
        : () => {
            const stream = streamOf(outcome.view.stream);
            return stream ? this.recordView(outcome.view, stream) : Promise.resolve();
          };
    this.pending = this.pending.then(write).catch(this.onWriteError);
  }

  async recordStream(stream: StreamDefinition): Promise<void> {
    await this.store.upsert([streamNode(stream)], []);
  }

  async recordView(view: ViewDefinition, stream: StreamDefinition): Promise<void> {
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

  /** Records that `producer` wrote to `stream`; a no-op after the first time in this process. */
  async recordProducer(producer: string, stream: string, at: number): Promise<void> {
    const pair = `${producer}\u0000${stream}`;
    if (this.knownProducers.has(pair)) return;
    const producerId = lineageNodeId('producer', producer);
    await this.store.upsert(
      [{ id: producerId, kind: 'producer', name: producer, properties: {} }],
      [{ from: producerId, to: lineageNodeId('stream', stream), kind: 'PRODUCES_TO', properties: { firstSeenAt: new Date(at).toISOString() } }],
    );
    this.knownProducers.add(pair);
  }

  async graph(node: string, direction: LineageDirection, depth: number): Promise<LineageGraph> {
    if (!Number.isInteger(depth) || depth < 0 || depth > MAX_LINEAGE_DEPTH) {
      throw new GatewayError('BAD_USER_INPUT', `depth must be an integer from 0 to ${MAX_LINEAGE_DEPTH}; got ${depth}`, { path: 'depth' });
    }
    await this.pending;
    const graph = await this.store.traverse(node, direction, depth);
    if (!graph) {
      throw new GatewayError('NOT_FOUND', `lineage node "${node}" does not exist; ids look like stream:<name>, view:<name>, producer:<name>`, {
        path: 'node',
      });
    }
    return graph;
  }
}

function streamNode(stream: StreamDefinition): LineageNode {
  return {
    id: lineageNodeId('stream', stream.name),
    kind: 'stream',
    name: stream.name,
    properties: { description: stream.description, timestampField: stream.timestampField, createdAt: new Date(stream.createdAt).toISOString() },
  };
}
