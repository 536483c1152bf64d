// The one LMDB environment of a data directory (`<dataDir>/lmdb`), shared by the embedded event log,
// checkpoint store and lineage store as named sub-databases, plus the durability and error rules they share.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { asBinary, open, type Binary, type Database, type Key, type RootDatabase } from 'lmdb';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';

/**
 * Most shared structures (distinct key lists) per sub-database (msgpackr allows 8,160). Past it,
 * further shapes are written inside each value, as self-contained records.
 */
const MAX_SHARED_STRUCTURES = 2_048;

/**
 * Durability choice: lmdb-js's default `overlappingSync` stays on. A write transaction's promise then
 * resolves once it is committed (in the OS page cache: survives `kill -9`), and the environment's
 * `flushed` promise resolves once that commit is fsynced (survives power loss). Every write here waits
 * for both (see `durable`), so an acknowledged write survives power loss, while the fsync of one batch
 * overlaps the next transaction instead of holding the writer lock. `noSync` is never used.
 */
export class LmdbRoot {
  private references = 1;
  private openerReleased = false;
  private closing: Promise<void> | undefined;

  /** Use `openLmdbRoot`. */
  constructor(
    readonly path: string,
    private readonly env: RootDatabase,
  ) {}

  /**
   * Opens a named sub-database and takes a reference on the environment. Values are plain msgpack
   * maps (`useRecords: false`) unless `sharedStructures`: then objects are msgpack records whose key
   * lists (structures) are kept once, under a reserved key of the same sub-database, and written in
   * their own committed transaction before any value that uses them, so a value on disk never refers
   * to a structure that is not. Records are about half the size of maps and decode several times
   * faster. The two layouts must not share a sub-database: once a structure exists, a map's small
   * integers would read as references to it.
   */
  acquire<V, K extends Key = Key>(name: string, { sharedStructures = false } = {}): Database<V, K> {
    if (this.references === 0) throw new GatewayError('SHUTTING_DOWN', `the LMDB environment at ${this.path} is closed`);
    try {
      // `encoder` options are honoured by lmdb-js but missing from its DatabaseOptions type.
      const encoder = sharedStructures ? { mapsAsObjects: true, maxSharedStructures: MAX_SHARED_STRUCTURES } : { useRecords: false };
      const options = { name, encoder, ...(sharedStructures ? { sharedStructuresKey: Symbol.for('structures') } : {}) } as { name: string };
      const db = this.env.openDB<V, K>(options);
      this.references += 1;
      return db;
    } catch (cause) {
      throw storageUnavailable(`cannot open LMDB database "${name}" at ${this.path}`, cause);
    }
  }

  /** Gives back one reference taken by `acquire()`. */
  release(): Promise<void> {
    return this.unref();
  }

  /** Gives back the opener's reference; safe to call more than once. */
  close(): Promise<void> {
    if (this.openerReleased) return this.closing ?? Promise.resolve();
    this.openerReleased = true;
    return this.unref();
  }

  private unref(): Promise<void> {
    if (this.references === 0) return this.closing ?? Promise.resolve();
    this.references -= 1;
    if (this.references === 0) this.closing = this.env.close();
    return this.closing ?? Promise.resolve();
  }
}

/**
 * Opens `<dataDir>/lmdb`. Ownership is reference-counted: the caller holds one reference and gives it
 * back with `close()`; each adapter built on the root takes its own with `acquire()` and gives it back
 * in its own close. The environment closes when the last reference is returned, so the composition
 * root may close the root and the adapters in any order. Open one root per data directory per
 * process: LMDB must not open the same environment twice in one process.
 */
export function openLmdbRoot(dataDir: string): LmdbRoot {
  const dir = path.join(dataDir, 'lmdb');
  try {
    mkdirSync(dir, { recursive: true });
    return new LmdbRoot(dir, open({ path: dir, maxDbs: 16 }));
  } catch (cause) {
    throw storageUnavailable(`cannot open the LMDB environment at ${dir}`, cause);
  }
}

/**
 * Waits until a write promise is committed and then fsynced. `flushed` must be read in the same
 * synchronous turn as the write was queued, so that it refers to that write's batch (or a later one).
 */
export function durable<T, V, K extends Key>(db: Database<V, K>, written: Promise<T>): Promise<T> {
  const flushed = new Promise<void>((resolve, reject) => {
    db.flushed.then(() => resolve(), reject);
  });
  flushed.catch(() => undefined); // its failure is the commit's failure, reported below
  // A failed commit never flushes; the caller sees the commit's error instead of waiting forever.
  return written.then(async (result) => {
    await flushed;
    return result;
  });
}

/**
 * Encodes a value with the sub-database's msgpack encoder, ready for `put`. Encoding before queuing a
 * write turns an unstorable value into BAD_USER_INPUT naming `path`, and keeps the throw out of write
 * transactions, where lmdb-js would still commit the writes made before it.
 */
export function encodeForPut<V, K extends Key>(db: Database<V, K>, value: unknown, path: string): Binary {
  return asBinary(encodeValue(db, value, path));
}

/** The bytes `encodeForPut` wraps. */
export function encodeValue<V, K extends Key>(db: Database<V, K>, value: unknown, path: string): Uint8Array {
  try {
    return encoderOf(db).encode(value);
  } catch (cause) {
    reloadSharedStructures(db);
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new GatewayError('BAD_USER_INPUT', `${path} cannot be stored: ${reason}`, { path, cause });
  }
}

interface SharedStructures extends Array<unknown> {
  uninitialized?: boolean;
  sharedLength?: number;
}

function encoderOf<V, K extends Key>(db: Database<V, K>): { encode(value: unknown): Uint8Array; structures?: SharedStructures } {
  return (db as unknown as { encoder: ReturnType<typeof encoderOf> }).encoder;
}

/**
 * After a failed encode or write of a sub-database with shared structures: msgpackr may already hold
 * a structure it never saved (it assigns the id while encoding), and would hand the same id to the
 * next value of that shape, which would then not decode after a restart. Makes the encoder (which
 * is also the decoder) reload the structures from disk before its next use.
 */
export function reloadSharedStructures<V, K extends Key>(db: Database<V, K>): void {
  const encoder = encoderOf(db);
  if (!encoder.structures) return; // plain maps: nothing shared
  const reloaded: SharedStructures = [];
  reloaded.uninitialized = true;
  reloaded.sharedLength = 0;
  encoder.structures = reloaded;
}

export function shuttingDown(what: string): GatewayError {
  return new GatewayError('SHUTTING_DOWN', `the ${what} is closed`);
}
