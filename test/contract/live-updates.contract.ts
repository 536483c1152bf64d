// The LiveUpdates contract: every adapter (in-process now, a Kafka fan-out topic later) must pass it.

import { describe, expect, it } from 'vitest';
import type { WindowRowRecord } from '../../src/ports/aggregate-store';
import type { LiveUpdates } from '../../src/ports/live-updates';

export interface LiveUpdatesHarness {
  live: LiveUpdates;
  /** Resolves once rows published now have reached every subscriber that exists now. */
  settle(): Promise<void>;
}

function row(view: string, revision: number, final = false): WindowRowRecord {
  return { view, windowStart: 0, windowEnd: 60_000, key: { country: 'DE' }, values: { n: revision }, eventCount: revision, final, revision, updatedAt: 0 };
}

async function take(iterator: AsyncIterator<WindowRowRecord>, count: number): Promise<number[]> {
  const revisions: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await iterator.next();
    if (next.done) break;
    revisions.push(next.value.revision);
  }
  return revisions;
}

export function describeLiveUpdatesContract(name: string, open: () => Promise<LiveUpdatesHarness>): void {
  describe(`LiveUpdates contract: ${name}`, () => {
    it('delivers rows of the subscribed view only, in publish order', async () => {
      const { live, settle } = await open();
      const sub = live.subscribe('a');
      live.publish([row('a', 1), row('b', 2), row('a', 3, true)]);
      await settle();
      expect(await take(sub[Symbol.asyncIterator](), 2)).toEqual([1, 3]);
      sub.close();
      await live.close();
    });

    it('delivers nothing published before the subscription started', async () => {
      const { live, settle } = await open();
      live.publish([row('a', 1)]);
      await settle();
      const sub = live.subscribe('a');
      live.publish([row('a', 2)]);
      await settle();
      expect(await take(sub[Symbol.asyncIterator](), 1)).toEqual([2]);
      sub.close();
      await live.close();
    });

    it('counts open subscriptions and forgets closed ones', async () => {
      const { live } = await open();
      const first = live.subscribe('a');
      const second = live.subscribe('b');
      expect(live.subscriberCount()).toBe(2);
      first.close();
      await second[Symbol.asyncIterator]().return?.();
      expect(live.subscriberCount()).toBe(0);
      await live.close();
    });

    it('ends pending iteration when closed', async () => {
      const { live } = await open();
      const sub = live.subscribe('a');
      const pending = sub[Symbol.asyncIterator]().next();
      await live.close();
      expect(await pending).toEqual({ value: undefined, done: true });
    });
  });
}
