// The behaviour every CheckpointStore adapter must show, registered as vitest tests against any adapter.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error';
import type { Checkpoint, CheckpointStore } from '../../src/ports/checkpoint-store';
import { uniqueName } from '../helpers/temp-dir';

export interface CheckpointStoreFixture {
  store: CheckpointStore;
  /** Closes the current store if still open and opens a new one on the same storage. */
  reopen(): Promise<CheckpointStore>;
  /** Closes whatever is still open and frees the storage. */
  cleanup(): Promise<void>;
}

interface WindowState {
  windows: { start: number; end: number; counts: Record<string, number>; uniq: string[]; sketch: number[] }[];
  watermark: number | null;
  flags: { late: boolean; nested: { deeper: { label: string } } };
}

function sampleCheckpoint(seed: number): Checkpoint<WindowState> {
  return {
    offsets: { [`events.orders_${seed}`]: 120 + seed, _meta: seed },
    state: {
      windows: [
        { start: 1_700_000_000_000, end: 1_700_000_060_000, counts: { DE: 3, FR: seed }, uniq: ['u1', 'u2'], sketch: [0.5, 1.25, -3] },
        { start: 1_700_000_060_000, end: 1_700_000_120_000, counts: {}, uniq: [], sketch: [] },
      ],
      watermark: seed % 2 === 0 ? null : 1_700_000_055_000,
      flags: { late: seed > 1, nested: { deeper: { label: `seed ${seed} — ünïcode` } } },
    },
    savedAt: 1_700_000_100_000 + seed,
  };
}

export function describeCheckpointStoreContract(name: string, open: () => Promise<CheckpointStoreFixture>): void {
  describe(`CheckpointStore contract: ${name}`, () => {
    let fixture: CheckpointStoreFixture;
    let store: CheckpointStore;
    beforeEach(async () => {
      fixture = await open();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('loads nothing for a job that never saved', async () => {
      expect(await store.load(uniqueName('job_missing'))).toBeUndefined();
    });

    it('round-trips offsets and nested window state', async () => {
      const job = uniqueName('job_roundtrip');
      const checkpoint = sampleCheckpoint(1);
      await store.save(job, checkpoint);
      expect(await store.load<WindowState>(job)).toEqual(checkpoint);
    });

    it('replaces the whole checkpoint on save, keeping nothing of the old one', async () => {
      const job = uniqueName('job_overwrite');
      await store.save(job, sampleCheckpoint(1));
      const next: Checkpoint<{ only: string }> = { offsets: { 'events.other': 7 }, state: { only: 'this' }, savedAt: 42 };
      await store.save(job, next);
      expect(await store.load(job)).toEqual(next);
    });

    it('keeps jobs apart', async () => {
      const a = uniqueName('job_a');
      const b = uniqueName('job_b');
      await Promise.all([store.save(a, sampleCheckpoint(2)), store.save(b, sampleCheckpoint(3))]);
      expect(await store.load(a)).toEqual(sampleCheckpoint(2));
      expect(await store.load(b)).toEqual(sampleCheckpoint(3));
    });

    it('keeps the latest checkpoint across close and reopen', async () => {
      const job = uniqueName('job_durable');
      await store.save(job, sampleCheckpoint(4));
      await store.save(job, sampleCheckpoint(5));
      await store.close();
      const again = await fixture.reopen();
      expect(await again.load(job)).toEqual(sampleCheckpoint(5));
    });

    it('refuses calls after close with SHUTTING_DOWN', async () => {
      const job = uniqueName('job_closed');
      await store.close();
      for (const call of [store.save(job, sampleCheckpoint(6)), store.load(job)]) {
        const error = await call.then(() => undefined, (e: unknown) => e);
        expect(GatewayError.is(error, 'SHUTTING_DOWN'), `expected SHUTTING_DOWN, got ${String(error)}`).toBe(true);
      }
    });
  });
}
