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
  /**
   * A data directory from before shared structures: records as plain maps in "events", with those in
   * `moved` already in "event-records" (where a move a crash interrupted leaves them).
   */
  async function olderDataDirectory(records: Record<string, unknown[]>, moved: Record<string, unknown[]> = {}): Promise<string> {
    const dataDir = mkdtempSync(path.join(base, 'older-'));
    const root = openLmdbRoot(dataDir);
    const maps = root.acquire<unknown, [string, number]>('events');
    const current = root.acquire<unknown, [string, number]>('event-records', { sharedStructures: true });
    for (const [topic, values] of Object.entries(records)) {
      const done = moved[topic]?.length ?? 0;
      for (const [offset, value] of values.entries()) await (offset < done ? current : maps).put([topic, offset], value);
    }
    await root.release();
    await root.release();
    await root.close();
    return dataDir;
  }

  it('moves records stored as plain maps into the record layout, going on where an interrupted move stopped, and reads them exactly as they were', async () => {
    const old = [
      { envelope: { eventId: '01A', eventTime: 5 }, payload: { qty: 100, codes: [64, 65, 66, 127], partition: 70, nested: { a: 64 }, 'odd key': 'x' } },
      { partition: 3, offset: 99, event: { envelope: { eventId: '01B', eventTime: 6 }, payload: { n: 120 } } },
    ];
    const other = Array.from({ length: 25_000 }, (_, i) => ({ i, small: i % 128, ...(i % 3 === 0 ? { meta: {} } : {}) }));
    const dataDir = await olderDataDirectory({ 'events.old': old, 'events.other': other }, { 'events.other': other.slice(0, 5_000) });
    for (let open = 0; open < 2; open++) {
      const root = openLmdbRoot(dataDir);
      const log = new LmdbEventLog(root);
      try {
        if (open === 0) {
          // New records, of new shapes, next to the moved ones.
          await log.append('events.old', [{ envelope: { eventId: '01C', eventTime: 7 }, payload: { qty: 65, meta: {} } }]);
          await log.append('events.new', [{ x: 64 }, { y: { z: 127 } }]);
        }
        expect((await log.read('events.old', 0, 10)).map((r) => r.value)).toEqual([...old, { envelope: { eventId: '01C', eventTime: 7 }, payload: { qty: 65, meta: {} } }]);
        expect((await log.read('events.other', 0, 30_000)).map((r) => r.value)).toEqual(other);
        expect((await log.read('events.new', 0, 10)).map((r) => r.value)).toEqual([{ x: 64 }, { y: { z: 127 } }]);
        expect(Object.getPrototypeOf((await log.read('events.old', 0, 1))[0].value)).toBe(Object.prototype);
        expect(await log.topics()).toEqual(['events.new', 'events.old', 'events.other']);
        expect(await log.endOffset('events.other')).toBe(25_000);
      } finally {
        await log.close();
        await root.close();
      }
    }
    const root = openLmdbRoot(dataDir);
    const legacy = root.acquire<unknown, [string, number]>('events');
    expect([...legacy.getKeys({ limit: 1 })]).toEqual([]);
    await root.release();
    await root.close();
  });

  it('refuses to open a directory where an earlier version wrote records this one also has, and changes nothing', async () => {
    const dataDir = await olderDataDirectory({ 'events.t': [{ a: 1 }, { a: 2 }] });
    let root = openLmdbRoot(dataDir);
    const current = root.acquire<unknown, [string, number]>('event-records', { sharedStructures: true });
    await current.put(['events.t', 1], { written: 'by this version' });
    await root.release();
    await root.close();
    root = openLmdbRoot(dataDir);
    try {
      expect(() => new LmdbEventLog(root)).toThrow(expect.objectContaining({ code: 'STORAGE_UNAVAILABLE' }));
      const cause = (() => {
        try {
          new LmdbEventLog(root);
        } catch (error) {
          return (error as { cause?: Error }).cause?.message;
        }
      })();
      expect(cause).toMatch(/record 1 of topic "events\.t" is stored in both the current and the earlier layout/);
      expect([...root.acquire<unknown, [string, number]>('events').getKeys()]).toHaveLength(2);
      await root.release();
    } finally {
      await root.close();
    }
  });

  it('refuses a value it cannot store without spoiling the next ones: they read back after a reopen', async () => {
    const dataDir = mkdtempSync(path.join(base, 'refused-'));
    let root = openLmdbRoot(dataDir);
    let log = new LmdbEventLog(root);
    const reopen = async () => {
      await log.close();
      await root.close();
      root = openLmdbRoot(dataDir);
      log = new LmdbEventLog(root);
    };
    try {
      await log.append('events.t', [{ a: 1 }]);
      await expect(log.append('events.t', [{ x: 1, y: 2n ** 70n }])).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'values[0]' });
      await log.append('events.t', [{ x: 1, y: 2 }]); // the shape the refused value began to define
      await reopen();
      expect((await log.read('events.t', 0, 10)).map((r) => r.value)).toEqual([{ a: 1 }, { x: 1, y: 2 }]);
      await log.append('events.t', [{ p: 1, q: 2 }]);
      await reopen();
      expect((await log.read('events.t', 0, 10)).map((r) => r.value)).toEqual([{ a: 1 }, { x: 1, y: 2 }, { p: 1, q: 2 }]);
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
