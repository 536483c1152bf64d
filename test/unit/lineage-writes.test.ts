// The lineage service's write path when its store goes away: writes leave the request path, are
// retried until the store is back, and land in order; reads fail fast meanwhile instead of waiting.
// The store is the real LMDB adapter behind a switch that makes it refuse like a lost server.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LmdbLineageStore } from '../../src/adapters/embedded/lmdb-lineage-store';
import { openLmdbRoot, type LmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import type { CatalogOutcome } from '../../src/domain/catalog';
import type { StreamDefinition } from '../../src/domain/definitions';
import { GatewayError } from '../../src/errors/gateway-error';
import type { LineageEdge, LineageNode, LineageStore } from '../../src/ports/lineage-store';
import { Lineage } from '../../src/services/lineage';
import { waitFor } from '../helpers/gateway-process';
import { tempDir } from '../helpers/temp-dir';

/** A real store that refuses every call while switched `down` (retriable) or `broken` (not). */
class Switchable implements LineageStore {
  /** Refuses with a retriable error, as a server that went away. */
  down = false;
  /** Refuses with an error no retry can fix. */
  broken = false;
  refusals = 0;

  constructor(private readonly inner: LineageStore) {}

  upsert(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Promise<void> {
    return this.refuseWhileDown() ?? this.inner.upsert(nodes, edges);
  }

  traverse(...args: Parameters<LineageStore['traverse']>): ReturnType<LineageStore['traverse']> {
    return this.refuseWhileDown() ?? this.inner.traverse(...args);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private refuseWhileDown(): Promise<never> | undefined {
    if (!this.down && !this.broken) return undefined;
    this.refusals += 1;
    return Promise.reject(
      this.down
        ? new GatewayError('STORAGE_UNAVAILABLE', 'lineage server unreachable (switched off)', { retriable: true })
        : new GatewayError('BAD_USER_INPUT', 'lineage write refused for good (switched to broken)'),
    );
  }
}

const stream = (name: string): StreamDefinition => ({ name, description: '', timestampField: 'ts', watermarkDelayMs: 0, createdAt: 0, createdBy: 'test' });
const created = (name: string): CatalogOutcome => ({ ok: true, type: 'StreamCreated', stream: stream(name) });

describe('lineage writes while the store is away', () => {
  const base = tempDir('tributary-lineage-writes-');
  let root: LmdbRoot;
  let store: Switchable;
  let lineage: Lineage;

  beforeEach(() => {
    root = openLmdbRoot(mkdtempSync(path.join(base, 'data-')));
    store = new Switchable(new LmdbLineageStore(root));
    lineage = new Lineage(store, pino({ level: 'silent' }));
  });
  afterEach(async () => {
    await lineage.close(0);
    await store.close();
    await root.close();
  });

  it('lands every write once the store is back, in order, without holding up the caller', async () => {
    store.down = true;
    lineage.follow(created('orders'), () => undefined);
    lineage.noteProducer('shop-api', 'orders', 1_000); // returns at once: ingest never waits on lineage
    await waitFor(() => store.refusals >= 3, { timeoutMs: 10_000, what: 'the write to be retried' });

    // While the store is failing a read answers with its error at once instead of waiting for the queue.
    await expect(lineage.graph('stream:orders', 'BOTH', 1)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });

    store.down = false;
    // Until the retried writes land, a read may still fail at once or see only the first of them.
    const landed = async () => {
      const graph = await lineage.graph('stream:orders', 'BOTH', 1).catch(() => undefined);
      return graph && graph.edges.length > 0 ? graph : undefined;
    };
    const graph = await waitFor(landed, { timeoutMs: 15_000, what: 'both lineage writes to land' });
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['producer:shop-api', 'stream:orders']);
    expect(graph.edges).toEqual([expect.objectContaining({ from: 'producer:shop-api', to: 'stream:orders', kind: 'PRODUCES_TO' })]);
  });

  it('waits for its own queued writes before a read while the store is up', async () => {
    lineage.follow(created('clicks'), () => undefined);
    lineage.noteProducer('web', 'clicks', 2_000);
    const graph = await lineage.graph('producer:web', 'DOWNSTREAM', 1);
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['producer:web', 'stream:clicks']);
  });

  it('drops a write the store refuses for good, and writes that producer again on its next ingest', async () => {
    lineage.follow(created('orders'), () => undefined);
    await lineage.graph('stream:orders', 'BOTH', 1);
    store.broken = true;
    lineage.noteProducer('shop-api', 'orders', 1_000);
    await waitFor(() => store.refusals >= 1, { timeoutMs: 10_000, what: 'the refused write' });
    store.broken = false;
    expect((await lineage.graph('stream:orders', 'BOTH', 1)).nodes.map((n) => n.id)).toEqual(['stream:orders']);

    lineage.noteProducer('shop-api', 'orders', 2_000);
    expect((await lineage.graph('stream:orders', 'BOTH', 1)).nodes.map((n) => n.id).sort()).toEqual(['producer:shop-api', 'stream:orders']);
  });

  it('stops retrying at close when the store stays away', async () => {
    store.down = true;
    lineage.follow(created('orders'), () => undefined);
    await waitFor(() => store.refusals >= 2, { timeoutMs: 10_000, what: 'the write to be retried' });
    await lineage.close(50); // resolves although the write never landed
  });
});
