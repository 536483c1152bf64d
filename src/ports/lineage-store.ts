// The lineage graph: which producers feed which streams, which views read which streams and fields.
// Embedded: LMDB with an in-memory adjacency index. Production: Neo4j.

export type LineageNodeKind = 'producer' | 'stream' | 'view' | 'field' | 'schema' | 'job';
export type LineageDirection = 'UPSTREAM' | 'DOWNSTREAM' | 'BOTH';

export interface LineageNode {
  /** `<kind>:<name>`, e.g. `stream:orders`, `view:orders_per_minute`, `producer:checkout-service`. */
  id: string;
  kind: LineageNodeKind;
  name: string;
  properties: Record<string, unknown>;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** PRODUCES_TO (producer→stream), FEEDS (stream→view), HAS_FIELD (stream→field), READS (field→view). */
  kind: string;
  properties: Record<string, unknown>;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export interface LineageStore {
  /**
   * Merges nodes and edges into the graph: new ones are created, existing ones get the given
   * properties merged over their old ones. Edges may only join nodes that exist after the call.
   */
  upsert(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Promise<void>;
  node(id: string): Promise<LineageNode | undefined>;
  /**
   * The subgraph reachable from `start` within `depth` hops, following edges forward (DOWNSTREAM),
   * backward (UPSTREAM) or both. Includes the start node; undefined when it does not exist.
   */
  traverse(start: string, direction: LineageDirection, depth: number): Promise<LineageGraph | undefined>;
  close(): Promise<void>;
}

export function lineageNodeId(kind: LineageNodeKind, name: string): string {
  return `${kind}:${name}`;
}
