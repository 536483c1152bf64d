// The embedded CheckpointStore: one LMDB entry per job id, replaced by a single durable put, so a
// job's offsets and window state always load as one consistent snapshot.

import type { Database } from 'lmdb';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { Checkpoint, CheckpointStore } from '../../ports/checkpoint-store';
import { durable, encodeForPut, shuttingDown, type LmdbRoot } from './lmdb-root';

/** LMDB keys are limited to 1,978 bytes, including the key encoding. */
const MAX_JOB_ID_BYTES = 1_000;

export class LmdbCheckpointStore implements CheckpointStore {
  private readonly db: Database<unknown, string>;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  constructor(private readonly root: LmdbRoot) {
    this.db = root.acquire<unknown, string>('checkpoints');
  }

  async load<S>(jobId: string): Promise<Checkpoint<S> | undefined> {
    this.assertOpen();
    checkJobId(jobId);
    try {
      return this.db.get(jobId) as Checkpoint<S> | undefined;
    } catch (cause) {
      throw storageUnavailable(`cannot load the checkpoint of job "${jobId}"`, cause);
    }
  }

  async save<S>(jobId: string, checkpoint: Checkpoint<S>): Promise<void> {
    this.assertOpen();
    checkJobId(jobId);
    const encoded = encodeForPut(this.db, checkpoint, 'checkpoint');
    const saved = (async () => {
      try {
        await durable(this.db, this.db.put(jobId, encoded));
      } catch (cause) {
        throw storageUnavailable(`cannot save the checkpoint of job "${jobId}"`, cause);
      }
    })();
    this.inFlight.add(saved);
    try {
      await saved;
    } finally {
      this.inFlight.delete(saved);
    }
  }

  /** Refuses new calls, lets in-flight saves finish, then releases LMDB. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.root.release();
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw shuttingDown('checkpoint store');
  }
}

function checkJobId(jobId: string): void {
  if (typeof jobId !== 'string' || jobId.length === 0 || Buffer.byteLength(jobId) > MAX_JOB_ID_BYTES) {
    throw new GatewayError('BAD_USER_INPUT', `jobId must be a non-empty string of at most ${MAX_JOB_ID_BYTES} bytes`, { path: 'jobId' });
  }
}
