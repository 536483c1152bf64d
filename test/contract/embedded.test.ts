// Runs the EventLog, CheckpointStore and LineageStore contracts against the embedded LMDB adapters,
// each test on a fresh data directory.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LmdbCheckpointStore } from '../../src/adapters/embedded/lmdb-checkpoint-store';
import { LmdbEventLog } from '../../src/adapters/embedded/lmdb-event-log';
import { LmdbLineageStore } from '../../src/adapters/embedded/lmdb-lineage-store';
import { openLmdbRoot, type LmdbRoot } from '../../src/adapters/embedded/lmdb-root';
import { tempDir } from '../helpers/temp-dir';
import { describeCheckpointStoreContract } from './checkpoint-store.contract';
import { describeEventLogContract } from './event-log.contract';
import { describeLineageStoreContract } from './lineage-store.contract';

const base = tempDir('tributary-lmdb-contract-');

/** Opens an adapter on its own root in a fresh data directory; reopening closes both first. */
function lmdbFixture<A extends { close(): Promise<void> }>(build: (root: LmdbRoot) => A) {
  const dataDir = mkdtempSync(path.join(base, 'data-'));
  let root = openLmdbRoot(dataDir);
  let adapter = build(root);
  const closeCurrent = async (): Promise<void> => {
    await adapter.close();
    await root.close();
  };
  return {
    adapter,
    reopen: async (): Promise<A> => {
      await closeCurrent();
      root = openLmdbRoot(dataDir);
      adapter = build(root);
      return adapter;
    },
    cleanup: closeCurrent,
  };
}

describeEventLogContract('LMDB', async () => {
  const { adapter, reopen, cleanup } = lmdbFixture((root) => new LmdbEventLog(root));
  return { log: adapter, reopen, cleanup };
});

describeCheckpointStoreContract('LMDB', async () => {
  const { adapter, reopen, cleanup } = lmdbFixture((root) => new LmdbCheckpointStore(root));
  return { store: adapter, reopen, cleanup };
});

describeLineageStoreContract('LMDB', async () => {
  const { adapter, reopen, cleanup } = lmdbFixture((root) => new LmdbLineageStore(root));
  return { store: adapter, reopen, cleanup };
});

describe('the embedded event log on disk', () => {
  it('reads values stored as plain msgpack maps (before records with shared structures) exactly as they were', async () => {
    const dataDir = mkdtempSync(path.join(base, 'maps-'));
    const before = openLmdbRoot(dataDir);
    const maps = before.acquire<unknown, [string, number]>('events'); // the earlier layout
    const values = [{ envelope: { eventId: '01A', eventTime: 5 }, payload: { a: [1, { b: null }], 'odd key': 'x', __proto__x: 1 } }, { other: true }];
    await maps.put(['events.old', 0], values[0]);
    await maps.put(['events.old', 1], values[1]);
    await before.release();
    await before.close();

    const root = openLmdbRoot(dataDir);
    const log = new LmdbEventLog(root);
    try {
      expect((await log.read('events.old', 0, 10)).map((r) => r.value)).toEqual(values);
      expect(Object.getPrototypeOf((await log.read('events.old', 0, 1))[0].value)).toBe(Object.prototype);
      await log.append('events.old', [{ envelope: { eventId: '01B', eventTime: 6 }, payload: { a: [2] } }]);
      expect(await log.endOffset('events.old')).toBe(3);
      expect(await log.topics()).toEqual(['events.old']);
    } finally {
      await log.close();
      await root.close();
    }
  });

  it('keeps values of thousands of shapes, past the shared structures, intact across a reopen', async () => {
    const dataDir = mkdtempSync(path.join(base, 'shapes-'));
    const shapes = Array.from({ length: 2_500 }, (_, i) => ({ [`field_${i}`]: i, nested: { [`inner_${i % 700}`]: [i, `v${i}`] }, common: 'x' }));
    let root = openLmdbRoot(dataDir);
    let log = new LmdbEventLog(root);
    for (let i = 0; i < shapes.length; i += 500) await log.append('events.shapes', shapes.slice(i, i + 500));
    expect((await log.read('events.shapes', 0, 3_000)).map((r) => r.value)).toEqual(shapes);
    await log.close();
    await root.close();
    root = openLmdbRoot(dataDir);
    log = new LmdbEventLog(root);
    try {
      expect((await log.read('events.shapes', 0, 3_000)).map((r) => r.value)).toEqual(shapes);
      expect(await log.topics()).toEqual(['events.shapes']);
    } finally {
      await log.close();
      await root.close();
    }
  });
});
