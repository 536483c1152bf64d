// The embedded LineageStore: nodes and edges persisted in LMDB, with an in-memory adjacency index
// (edge keys by node, both ways) loaded at open so traversals are a breadth-first walk in memory.

import type { Database } from 'lmdb';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { LineageDirection, LineageEdge, LineageGraph, LineageNode, LineageStore } from '../../ports/lineage-store';
import { checkTraversal, checkUpsertInput } from '../lineage-input';
import { durable, encodeForPut, shuttingDown, type LmdbRoot } from './lmdb-root';

const SEPARATOR = '\u0000';

/**
 * Edges are stored under the array key [from, kind, to], which lmdb's ordered-binary encoding writes
 * as the bytes of `from\0kind\0to`; a string key with NUL characters would decode back as an array.
 */
type EdgeTuple = [from: string, kind: string, to: string];

export class LmdbLineageStore implements LineageStore {
  private readonly nodes: Database<LineageNode, string>;
  private readonly edges: Database<LineageEdge, EdgeTuple>;
  /** Edge keys leaving / entering each node id. */
  private readonly outgoing = new Map<string, Set<string>>();
  private readonly incoming = new Map<string, Set<string>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly root: LmdbRoot) {
    this.nodes = root.acquire<LineageNode, string>('lineage-nodes');
    this.edges = root.acquire<LineageEdge, EdgeTuple>('lineage-edges');
    try {
      for (const tuple of this.edges.getKeys()) this.index(tuple.join(SEPARATOR));
    } catch (cause) {
      void root.release().then(() => root.release());
      throw storageUnavailable('cannot read the lineage graph', cause);
    }
  }

  async upsert(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Promise<void> {
    this.assertOpen();
    checkUpsertInput(nodes, edges);
    nodes.forEach((node, i) => encodeForPut(this.nodes, node.properties, `nodes[${i}].properties`));
    edges.forEach((edge, i) => encodeForPut(this.edges, edge.properties, `edges[${i}].properties`));
    const upserted = (async () => {
      try {
        // A child transaction rolls back as a whole if anything below throws, so an upsert refused
        // for a missing endpoint leaves no node of the same call behind.
        const written = this.nodes.childTransaction(() => {
          for (const node of nodes) {
            const old = this.nodes.get(node.id);
            this.nodes.put(node.id, { id: node.id, kind: node.kind, name: node.name, properties: { ...old?.properties, ...node.properties } });
          }
          edges.forEach((edge, i) => {
            for (const end of ['from', 'to'] as const) {
              if (this.nodes.get(edge[end]) === undefined) {
                throw new GatewayError('BAD_USER_INPUT', `edges[${i}].${end} names node "${edge[end]}", which does not exist`, { path: `edges[${i}].${end}` });
              }
            }
            const tuple: EdgeTuple = [edge.from, edge.kind, edge.to];
            const old = this.edges.get(tuple);
            this.edges.put(tuple, { from: edge.from, to: edge.to, kind: edge.kind, properties: { ...old?.properties, ...edge.properties } });
          });
        });
        await durable(this.nodes, written);
      } catch (cause) {
        throw storageUnavailable(`cannot upsert ${nodes.length} lineage nodes and ${edges.length} edges`, cause);
      }
      for (const edge of edges) this.index(edgeKey(edge));
    })();
    this.inFlight.add(upserted);
    try {
      await upserted;
    } finally {
      this.inFlight.delete(upserted);
    }
  }

  async node(id: string): Promise<LineageNode | undefined> {
    this.assertOpen();
    try {
      return this.nodes.get(id);
    } catch (cause) {
      throw storageUnavailable(`cannot read lineage node "${id}"`, cause);
    }
  }

  async traverse(start: string, direction: LineageDirection, depth: number): Promise<LineageGraph | undefined> {
    this.assertOpen();
    checkTraversal(direction, depth);
    try {
      if (this.nodes.get(start) === undefined) return undefined;
      const { visited, walked } = this.walk(start, direction, depth);
      const nodes = [...visited].sort().flatMap((id) => this.nodes.get(id) ?? []);
      const edges = [...walked].sort().flatMap((key) => this.edges.get(splitEdgeKey(key)) ?? []);
      return { nodes, edges };
    } catch (cause) {
      throw storageUnavailable(`cannot traverse the lineage graph from "${start}"`, cause);
    }
  }

  /** Refuses new calls, lets in-flight upserts finish, then releases LMDB. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.root.release();
      await this.root.release();
    })();
    return this.closing;
  }

  /** Breadth-first: every edge examined from a node closer than `depth` hops counts as walked. */
  private walk(start: string, direction: LineageDirection, depth: number): { visited: Set<string>; walked: Set<string> } {
    const visited = new Set([start]);
    const walked = new Set<string>();
    const ways: Array<[Map<string, Set<string>>, (key: string) => string]> = [];
    if (direction !== 'UPSTREAM') ways.push([this.outgoing, (key) => splitEdgeKey(key)[2]]);
    if (direction !== 'DOWNSTREAM') ways.push([this.incoming, (key) => splitEdgeKey(key)[0]]);
    let frontier = [start];
    for (let hop = 0; hop < depth && frontier.length > 0; hop++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const [index, neighbour] of ways) {
          for (const key of index.get(id) ?? []) {
            walked.add(key);
            const other = neighbour(key);
            if (!visited.has(other)) {
              visited.add(other);
              next.push(other);
            }
          }
        }
      }
      frontier = next;
    }
    return { visited, walked };
  }

  private index(key: string): void {
    const [from, , to] = splitEdgeKey(key);
    addTo(this.outgoing, from, key);
    addTo(this.incoming, to, key);
  }

  private assertOpen(): void {
    if (this.closing) throw shuttingDown('lineage store');
  }
}

/** `from\0kind\0to`: sorting these keys as strings sorts edges by from, then kind, then to. */
function edgeKey(edge: LineageEdge): string {
  return [edge.from, edge.kind, edge.to].join(SEPARATOR);
}

function splitEdgeKey(key: string): EdgeTuple {
  const [from, kind, to] = key.split(SEPARATOR);
  return [from, kind, to];
}

function addTo(index: Map<string, Set<string>>, id: string, key: string): void {
  const keys = index.get(id);
  if (keys) keys.add(key);
  else index.set(id, new Set([key]));
}
