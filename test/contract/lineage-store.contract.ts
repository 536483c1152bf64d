// The behaviour every LineageStore adapter must show, registered as vitest tests against any adapter
// (embedded LMDB here; Neo4j whenever a server is configured).

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error';
import {
  lineageNodeId,
  type LineageEdge,
  type LineageGraph,
  type LineageNode,
  type LineageNodeKind,
  type LineageStore,
} from '../../src/ports/lineage-store';
import { uniqueName } from '../helpers/temp-dir';

export interface LineageStoreFixture {
  store: LineageStore;
  /** Closes the current store if still open and opens a new one on the same storage. */
  reopen(): Promise<LineageStore>;
  /** Closes whatever is still open and frees the storage. */
  cleanup(): Promise<void>;
}

function node(kind: LineageNodeKind, name: string, properties: Record<string, unknown> = {}): LineageNode {
  return { id: lineageNodeId(kind, name), kind, name, properties };
}

function edge(from: LineageNode, kind: string, to: LineageNode, properties: Record<string, unknown> = {}): LineageEdge {
  return { from: from.id, to: to.id, kind, properties };
}

/** producer → stream → view, and stream → field → view: the shape of one stream feeding one view. */
function sampleGraph() {
  const tag = uniqueName('g');
  const producer = node('producer', `checkout_${tag}`);
  const stream = node('stream', `orders_${tag}`, { schemaVersion: 1 });
  const view = node('view', `orders_per_minute_${tag}`);
  const field = node('field', `orders_${tag}.amount`);
  const producesTo = edge(producer, 'PRODUCES_TO', stream);
  const feeds = edge(stream, 'FEEDS', view);
  const hasField = edge(stream, 'HAS_FIELD', field);
  const reads = edge(field, 'READS', view);
  return { producer, stream, view, field, producesTo, feeds, hasField, reads, nodes: [producer, stream, view, field], edges: [producesTo, feeds, hasField, reads] };
}

/** What a traversal must return: nodes sorted by id, edges by from, kind, to. */
function graphOf(nodes: LineageNode[], edges: LineageEdge[]): LineageGraph {
  const key = (e: LineageEdge): [string, string, string] => [e.from, e.kind, e.to];
  const byKey = (a: LineageEdge, b: LineageEdge): number => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
  };
  return { nodes: [...nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), edges: [...edges].sort(byKey) };
}

export function describeLineageStoreContract(name: string, open: () => Promise<LineageStoreFixture>): void {
  describe(`LineageStore contract: ${name}`, () => {
    let fixture: LineageStoreFixture;
    let store: LineageStore;
    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('creates nodes and merges new properties over old ones', async () => {
      const stream = node('stream', uniqueName('merge'), { owner: 'team-a', schemaVersion: 1 });
      await store.upsert([stream], []);
      expect(await store.node(stream.id)).toEqual(stream);
      await store.upsert([{ ...stream, properties: { schemaVersion: 2, retention: '7d' } }], []);
      expect(await store.node(stream.id)).toEqual({ ...stream, properties: { owner: 'team-a', schemaVersion: 2, retention: '7d' } });
    });

    it('merges edge properties the same way', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, [{ ...g.feeds, properties: { since: 1, by: 'alice' } }]);
      await store.upsert([], [{ ...g.feeds, properties: { since: 2 } }]);
      const result = await store.traverse(g.stream.id, 'DOWNSTREAM', 1);
      expect(result?.edges).toEqual([{ ...g.feeds, properties: { since: 2, by: 'alice' } }]);
    });

    it('refuses an edge to a node that does not exist, naming it, and applies nothing of that call', async () => {
      const g = sampleGraph();
      const ghost = node('view', uniqueName('ghost'));
      const error = await store.upsert([g.stream], [edge(g.stream, 'FEEDS', ghost)]).then(() => undefined, (e: unknown) => e);
      expect(GatewayError.is(error, 'BAD_USER_INPUT'), `expected BAD_USER_INPUT, got ${String(error)}`).toBe(true);
      expect((error as Error).message).toContain(ghost.id);
      expect(await store.node(g.stream.id)).toBeUndefined();
    });

    it('accepts edges to nodes created in the same call', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, g.edges);
      expect(await store.traverse(g.producer.id, 'DOWNSTREAM', 1)).toEqual(graphOf([g.producer, g.stream], [g.producesTo]));
    });

    it('walks downstream hop by hop', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, g.edges);
      expect(await store.traverse(g.producer.id, 'DOWNSTREAM', 0)).toEqual(graphOf([g.producer], []));
      expect(await store.traverse(g.producer.id, 'DOWNSTREAM', 2)).toEqual(graphOf(g.nodes, [g.producesTo, g.feeds, g.hasField]));
      expect(await store.traverse(g.producer.id, 'DOWNSTREAM', 3)).toEqual(graphOf(g.nodes, g.edges));
      expect(await store.traverse(g.view.id, 'DOWNSTREAM', 5)).toEqual(graphOf([g.view], []));
    });

    it('walks upstream hop by hop', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, g.edges);
      expect(await store.traverse(g.view.id, 'UPSTREAM', 1)).toEqual(graphOf([g.view, g.stream, g.field], [g.feeds, g.reads]));
      expect(await store.traverse(g.view.id, 'UPSTREAM', 2)).toEqual(graphOf(g.nodes, g.edges));
      expect(await store.traverse(g.producer.id, 'UPSTREAM', 3)).toEqual(graphOf([g.producer], []));
    });

    it('walks both ways at each hop', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, g.edges);
      expect(await store.traverse(g.field.id, 'BOTH', 0)).toEqual(graphOf([g.field], []));
      expect(await store.traverse(g.field.id, 'BOTH', 1)).toEqual(graphOf([g.field, g.stream, g.view], [g.hasField, g.reads]));
      expect(await store.traverse(g.field.id, 'BOTH', 2)).toEqual(graphOf(g.nodes, g.edges));
    });

    it('terminates on cycles and returns each node and edge once', async () => {
      const tag = uniqueName('cycle');
      const [a, b, c] = ['a', 'b', 'c'].map((n) => node('job', `${n}_${tag}`));
      const edges = [edge(a, 'FEEDS', b), edge(b, 'FEEDS', c), edge(c, 'FEEDS', a)];
      await store.upsert([a, b, c], edges);
      expect(await store.traverse(a.id, 'DOWNSTREAM', 50)).toEqual(graphOf([a, b, c], edges));
      expect(await store.traverse(a.id, 'UPSTREAM', 1)).toEqual(graphOf([a, c], [edges[2]]));
      expect(await store.traverse(b.id, 'BOTH', 50)).toEqual(graphOf([a, b, c], edges));
    });

    it('answers undefined for a start node that does not exist', async () => {
      expect(await store.traverse(lineageNodeId('stream', uniqueName('nowhere')), 'BOTH', 3)).toBeUndefined();
      expect(await store.node(lineageNodeId('stream', uniqueName('nowhere')))).toBeUndefined();
    });

    it('keeps nodes, edges and their properties across close and reopen', async () => {
      const g = sampleGraph();
      await store.upsert(g.nodes, g.edges);
      await store.close();
      const again = await fixture.reopen();
      expect(await again.node(g.stream.id)).toEqual(g.stream);
      expect(await again.traverse(g.view.id, 'UPSTREAM', 2)).toEqual(graphOf(g.nodes, g.edges));
    });

    it('refuses calls after close with SHUTTING_DOWN', async () => {
      const g = sampleGraph();
      await store.close();
      const error = await store.upsert(g.nodes, []).then(() => undefined, (e: unknown) => e);
      expect(GatewayError.is(error, 'SHUTTING_DOWN'), `expected SHUTTING_DOWN, got ${String(error)}`).toBe(true);
    });
  });
}
