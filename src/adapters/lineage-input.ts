// The input rules every LineageStore adapter enforces the same way: well-formed node ids, kinds,
// edges and properties, and a valid direction and depth for traversals.

import { GatewayError } from '../errors/gateway-error';
import { lineageNodeId, type LineageDirection, type LineageEdge, type LineageNode, type LineageNodeKind } from '../ports/lineage-store';

export const NODE_KINDS: readonly LineageNodeKind[] = ['producer', 'stream', 'view', 'field', 'schema', 'job'];
export const DIRECTIONS: readonly LineageDirection[] = ['UPSTREAM', 'DOWNSTREAM', 'BOTH'];
/** Keeps `from\0kind\0to` within LMDB's 1,978-byte key limit; other stores follow the same rule. */
const MAX_ID_BYTES = 600;

export function checkUpsertInput(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): void {
  for (const [list, path] of [[nodes, 'nodes'], [edges, 'edges']] as const) {
    if (!Array.isArray(list)) throw new GatewayError('BAD_USER_INPUT', `${path} must be an array`, { path });
  }
  nodes.forEach((node, i) => checkNode(node, `nodes[${i}]`));
  edges.forEach((edge, i) => checkEdge(edge, `edges[${i}]`));
}

export function checkTraversal(direction: LineageDirection, depth: number): void {
  if (!DIRECTIONS.includes(direction)) {
    throw new GatewayError('BAD_USER_INPUT', `direction must be one of ${DIRECTIONS.join(', ')}; got ${String(direction)}`, { path: 'direction' });
  }
  if (!Number.isSafeInteger(depth) || depth < 0) {
    throw new GatewayError('BAD_USER_INPUT', `depth must be an integer >= 0; got ${depth}`, { path: 'depth' });
  }
}

function checkNode(node: LineageNode, path: string): void {
  checkId(node?.id, `${path}.id`);
  if (!NODE_KINDS.includes(node.kind)) {
    throw new GatewayError('BAD_USER_INPUT', `${path}.kind must be one of ${NODE_KINDS.join(', ')}; got ${String(node.kind)}`, { path: `${path}.kind` });
  }
  if (typeof node.name !== 'string' || node.id !== lineageNodeId(node.kind, node.name)) {
    throw new GatewayError('BAD_USER_INPUT', `${path}.id must be "<kind>:<name>" ("${lineageNodeId(node.kind, String(node.name))}"); got "${node.id}"`, { path: `${path}.id` });
  }
  checkProperties(node.properties, `${path}.properties`);
}

function checkEdge(edge: LineageEdge, path: string): void {
  checkId(edge?.from, `${path}.from`);
  checkId(edge.to, `${path}.to`);
  checkId(edge.kind, `${path}.kind`);
  checkProperties(edge.properties, `${path}.properties`);
}

function checkProperties(properties: unknown, path: string): void {
  if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
    throw new GatewayError('BAD_USER_INPUT', `${path} must be an object`, { path });
  }
}

function checkId(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.includes('\u0000') || Buffer.byteLength(value) > MAX_ID_BYTES) {
    throw new GatewayError('BAD_USER_INPUT', `${path} must be a non-empty string of at most ${MAX_ID_BYTES} bytes without NUL characters`, { path });
  }
}
