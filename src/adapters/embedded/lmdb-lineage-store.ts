// The embedded LineageStore: nodes and edges persisted in LMDB, with an in-memory adjacency index
// (edge keys by node, both ways) loaded at open so traversals are a breadth-first walk in memory.

import type { Database } from 'lmdb';
import { GatewayError } from '../../errors/gateway-error';
import {
  lineageNodeId,
  type LineageDirection,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  type LineageNodeKind,
  type LineageStore,
} from '../../ports/lineage-store';
import { durable, encodeForPut, shuttingDown, storageError, type LmdbRoot } from './lmdb-root';

const NODE_KINDS: readonly LineageNodeKind[] = ['producer', 'stream', 'view', 'field', 'schema', 'job'];
const DIRECTIONS: readonly LineageDirection[] = ['UPSTREAM', 'DOWNSTREAM', 'BOTH'];
/** Keeps `from\0kind\0to` within LMDB's 1,978-byte key limit. */
const MAX_ID_BYTES = 600;
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
      throw storageError('cannot read the lineage graph', cause);
    }
  }

  async upsert(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Promise<void> {
    this.assertOpen();
    for (const [list, path] of [[nodes, 'nodes'], [edges, 'edges']] as const) {
      if (!Array.isArray(list)) throw new GatewayError('BAD_USER_INPUT', `${path} must be an array`, { path });
    }
    nodes.forEach((node, i) => this.checkNode(node, `nodes[${i}]`));
    edges.forEach((edge, i) => this.checkEdge(edge, `edges[${i}]`));
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
        throw storageError(`cannot upsert ${nodes.length} lineage nodes and ${edges.length} edges`, cause);
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
      throw storageError(`cannot read lineage node "${id}"`, cause);
    }
  }

  async traverse(start: string, direction: LineageDirection, depth: number): Promise<LineageGraph | undefined> {
    this.assertOpen();
    if (!DIRECTIONS.includes(direction)) {
      throw new GatewayError('BAD_USER_INPUT', `direction must be one of ${DIRECTIONS.join(', ')}; got ${String(direction)}`, { path: 'direction' });
    }
    if (!Number.isSafeInteger(depth) || depth < 0) {
      throw new GatewayError('BAD_USER_INPUT', `depth must be an integer >= 0; got ${depth}`, { path: 'depth' });
    }
    try {
      if (this.nodes.get(start) === undefined) return undefined;
      const { visited, walked } = this.walk(start, direction, depth);
      const nodes = [...visited].sort().flatMap((id) => this.nodes.get(id) ?? []);
      const edges = [...walked].sort().flatMap((key) => this.edges.get(splitEdgeKey(key)) ?? []);
      return { nodes, edges };
    } catch (cause) {
      throw storageError(`cannot traverse the lineage graph from "${start}"`, cause);
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

  private checkNode(node: LineageNode, path: string): void {
    checkId(node?.id, `${path}.id`);
    if (!NODE_KINDS.includes(node.kind)) {
      throw new GatewayError('BAD_USER_INPUT', `${path}.kind must be one of ${NODE_KINDS.join(', ')}; got ${String(node.kind)}`, { path: `${path}.kind` });
    }
    if (typeof node.name !== 'string' || node.id !== lineageNodeId(node.kind, node.name)) {
      throw new GatewayError('BAD_USER_INPUT', `${path}.id must be "<kind>:<name>" ("${lineageNodeId(node.kind, String(node.name))}"); got "${node.id}"`, { path: `${path}.id` });
    }
    this.checkProperties(node.properties, `${path}.properties`);
  }

  private checkEdge(edge: LineageEdge, path: string): void {
    checkId(edge?.from, `${path}.from`);
    checkId(edge.to, `${path}.to`);
    checkId(edge.kind, `${path}.kind`);
    this.checkProperties(edge.properties, `${path}.properties`);
  }

  private checkProperties(properties: unknown, path: string): void {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      throw new GatewayError('BAD_USER_INPUT', `${path} must be an object`, { path });
    }
    encodeForPut(this.nodes, properties, path);
  }

  private assertOpen(): void {
    if (this.closing) throw shuttingDown('lineage store');
  }
}

function checkId(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.includes(SEPARATOR) || Buffer.byteLength(value) > MAX_ID_BYTES) {
    throw new GatewayError('BAD_USER_INPUT', `${path} must be a non-empty string of at most ${MAX_ID_BYTES} bytes without NUL characters`, { path });
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
