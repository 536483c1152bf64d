// Runs the EventLog, CheckpointStore and LineageStore contracts against the embedded LMDB adapters,
// each test on a fresh data directory.

import { mkdtempSync } from 'node:fs';
import path from 'node:path';
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
