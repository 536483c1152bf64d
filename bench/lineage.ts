// Lineage impact queries: a generated graph of 100,000 nodes shaped like a large deployment's lineage
// (producers → streams → fields and views → dashboards, with skewed fan-out: a few producers feed
// hundreds of streams, a few streams feed hundreds of views) loaded through the LineageStore port into
// Neo4j and, in the same run, into the embedded LMDB store; then the same 3-hop DOWNSTREAM traversals
// from producers (what a change to one can reach) on both, one at a time, with the answers compared.
// Dashboards are `job` nodes: the port has no kind of their own.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LmdbLineageStore } from '../src/adapters/embedded/lmdb-lineage-store';
import { openLmdbRoot } from '../src/adapters/embedded/lmdb-root';
import { Neo4jLineageStore } from '../src/adapters/neo4j/neo4j-lineage-store';
import { lineageNodeId, type LineageEdge, type LineageGraph, type LineageNode, type LineageNodeKind, type LineageStore } from '../src/ports/lineage-store';
import { Seeded } from './events';
import { elapsedMs, formatNumber, measurement, percentile, printRows, type BenchResult } from './report';
import { openNeo4j } from './servers';

const PRODUCERS = 5_000;
const STREAMS = 10_000;
const FIELDS_PER_STREAM = 4;
const VIEWS = 30_000;
const DASHBOARDS = 15_000;
const DEPTH = 3;
const QUERIES = 500;
const WARMUP_QUERIES = 50;
/** Nodes or edges per upsert while loading. */
const LOAD_CHUNK = 5_000;

interface Graph {
  nodes: LineageNode[];
  edges: LineageEdge[];
  producers: string[];
}

function node(kind: LineageNodeKind, name: string, properties: Record<string, unknown> = {}): LineageNode {
  return { id: lineageNodeId(kind, name), kind, name, properties };
}

/** Deterministic; `skewed(n)` picks low indexes far more often (index ≈ n·u², u uniform). */
function generateGraph(): Graph {
  const random = new Seeded(31);
  const uniform = (n: number) => random.below(n);
  const skewed = (n: number) => {
    const u = random.below(1_000_000) / 1_000_000;
    return Math.floor(n * u * u);
  };
  const nodes: LineageNode[] = [];
  const edges = new Map<string, LineageEdge>();
  const edge = (from: string, to: string, kind: string, properties: Record<string, unknown> = {}) => edges.set(`${from}|${kind}|${to}`, { from, to, kind, properties });

  const producers = Array.from({ length: PRODUCERS }, (_, i) => node('producer', `service-${i}`, { team: `team-${i % 120}` }));
  const streams = Array.from({ length: STREAMS }, (_, i) => node('stream', `stream_${i}`, { partitions: 6 }));
  nodes.push(...producers, ...streams);
  streams.forEach((stream, s) => {
    for (let k = 1 + uniform(3); k > 0; k--) edge(producers[skewed(PRODUCERS)].id, stream.id, 'PRODUCES_TO', { firstSeenAt: '2026-11-01T00:00:00.000Z' });
    for (let f = 0; f < FIELDS_PER_STREAM; f++) {
      const field = node('field', `stream_${s}.field_${f}`, { stream: stream.name, path: `field_${f}` });
      nodes.push(field);
      edge(stream.id, field.id, 'HAS_FIELD');
    }
  });
  const views = Array.from({ length: VIEWS }, (_, v) => {
    const s = skewed(STREAMS);
    const view = node('view', `view_${v}`, { stream: streams[s].name, window: '1m' });
    edge(streams[s].id, view.id, 'FEEDS');
    for (let k = 1 + uniform(3); k > 0; k--) edge(lineageNodeId('field', `stream_${s}.field_${uniform(FIELDS_PER_STREAM)}`), view.id, 'READS', { usedBy: ['groupBy'] });
    return view;
  });
  nodes.push(...views);
  for (let d = 0; d < DASHBOARDS; d++) {
    const dashboard = node('job', `dashboard_${d}`, { panels: 4 });
    nodes.push(dashboard);
    for (let k = 1 + uniform(4); k > 0; k--) edge(views[uniform(VIEWS)].id, dashboard.id, 'SHOWN_ON');
  }
  return { nodes, edges: [...edges.values()], producers: producers.map((p) => p.id) };
}

async function load(store: LineageStore, graph: Graph): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < graph.nodes.length; i += LOAD_CHUNK) await store.upsert(graph.nodes.slice(i, i + LOAD_CHUNK), []);
  for (let i = 0; i < graph.edges.length; i += LOAD_CHUNK) await store.upsert([], graph.edges.slice(i, i + LOAD_CHUNK));
  return elapsedMs(started);
}

interface QueryRun {
  /** Per query, ms, sorted. */
  ms: number[];
  /** Per query in order: node and edge counts of the answer. */
  sizes: Array<{ nodes: number; edges: number }>;
}

async function queries(store: LineageStore, starts: readonly string[]): Promise<QueryRun> {
  for (const start of starts.slice(0, WARMUP_QUERIES)) await store.traverse(start, 'DOWNSTREAM', DEPTH);
  const run: QueryRun = { ms: [], sizes: [] };
  for (const start of starts) {
    const began = process.hrtime.bigint();
    const graph: LineageGraph | undefined = await store.traverse(start, 'DOWNSTREAM', DEPTH);
    run.ms.push(elapsedMs(began));
    run.sizes.push({ nodes: graph?.nodes.length ?? -1, edges: graph?.edges.length ?? -1 });
  }
  run.ms.sort((a, b) => a - b);
  return run;
}

async function onLmdb(graph: Graph, starts: readonly string[]): Promise<{ loadMs: number; run: QueryRun }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-lineage-'));
  const root = openLmdbRoot(dir);
  const store = new LmdbLineageStore(root);
  try {
    const loadMs = await load(store, graph);
    return { loadMs, run: await queries(store, starts) };
  } finally {
    await store.close();
    await root.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onNeo4j(graph: Graph, starts: readonly string[]): Promise<{ loadMs: number; run: QueryRun; description: string }> {
  const server = await openNeo4j();
  console.log(`  Neo4j: ${server.description}`);
  try {
    const store = await Neo4jLineageStore.open(server);
    try {
      // An external server may hold an earlier run's graph; the ids are the same, so it is merged over.
      const loadMs = await load(store, graph);
      return { loadMs, run: await queries(store, starts), description: server.description };
    } finally {
      await store.close();
    }
  } finally {
    await server.close();
  }
}

export async function runLineageBench(): Promise<BenchResult> {
  const graph = generateGraph();
  const random = new Seeded(37);
  const starts = Array.from({ length: QUERIES }, () => graph.producers[random.below(graph.producers.length)]);
  console.log(
    `  ${formatNumber(graph.nodes.length)} nodes (${formatNumber(PRODUCERS)} producers, ${formatNumber(STREAMS)} streams, ${formatNumber(STREAMS * FIELDS_PER_STREAM)} fields, ${formatNumber(VIEWS)} views, ${formatNumber(DASHBOARDS)} dashboards), ${formatNumber(graph.edges.length)} edges; ${QUERIES} ${DEPTH}-hop DOWNSTREAM traversals from random producers, one at a time, after ${WARMUP_QUERIES} warm-up`,
  );
  const lmdb = await onLmdb(graph, starts);
  const neo4j = await onNeo4j(graph, starts);

  const differing = starts.filter((_, i) => neo4j.run.sizes[i].nodes !== lmdb.run.sizes[i].nodes || neo4j.run.sizes[i].edges !== lmdb.run.sizes[i].edges);
  const answerNodes = lmdb.run.sizes.map((s) => s.nodes).sort((a, b) => a - b);
  const p = (run: QueryRun, q: number) => percentile(run.ms, q);
  const describe = (run: QueryRun) => `p50 ${formatNumber(p(run, 50), 2)} ms, p99 ${formatNumber(p(run, 99), 2)} ms, max ${formatNumber(p(run, 100), 1)} ms`;
  const loadRate = (ms: number) => `${formatNumber(ms / 1000, 1)} s (${formatNumber(((graph.nodes.length + graph.edges.length) / ms) * 1000)} nodes+edges/s, upserts of ${formatNumber(LOAD_CHUNK)})`;
  printRows([
    ['answer size (nodes)', `p50 ${formatNumber(percentile(answerNodes, 50))}, p99 ${formatNumber(percentile(answerNodes, 99))}, max ${formatNumber(percentile(answerNodes, 100))}`],
    ['Neo4jLineageStore.traverse', describe(neo4j.run)],
    ['  load', loadRate(neo4j.loadMs)],
    ['baseline, LmdbLineageStore.traverse', describe(lmdb.run)],
    ['  load', loadRate(lmdb.loadMs)],
    ['ratio Neo4j / LMDB', `p50 ${formatNumber(p(neo4j.run, 50) / p(lmdb.run, 50), 1)}, p99 ${formatNumber(p(neo4j.run, 99) / p(lmdb.run, 99), 1)}`],
    ['answers', differing.length === 0 ? `every one of the ${QUERIES} the same size on both stores` : `${differing.length} differ in size, e.g. from ${differing[0]}`],
  ]);
  const notes: string[] = [];
  if (differing.length > 0) notes.push(`${differing.length} of ${QUERIES} traversals answered differently on Neo4j and LMDB (first from ${differing[0]})`);
  return {
    name: 'lineage',
    measurements: [
      measurement('Neo4j 3-hop impact p50', p(neo4j.run, 50), 'ms'),
      measurement('Neo4j 3-hop impact p99', p(neo4j.run, 99), 'ms'),
      measurement('LMDB 3-hop impact p50', p(lmdb.run, 50), 'ms'),
      measurement('LMDB 3-hop impact p99', p(lmdb.run, 99), 'ms'),
      measurement('ratio Neo4j / LMDB, p99', p(neo4j.run, 99) / p(lmdb.run, 99), 'x'),
      measurement('Neo4j load, nodes+edges/s', ((graph.nodes.length + graph.edges.length) / neo4j.loadMs) * 1000, 'items/s'),
    ],
    notes,
  };
}
