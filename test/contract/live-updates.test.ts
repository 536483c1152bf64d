import { describe, expect, it } from 'vitest';
import { InProcessLiveUpdates } from '../../src/adapters/embedded/in-process-live-updates';
import { describeLiveUpdatesContract } from './live-updates.contract';

describeLiveUpdatesContract('in-process', async () => ({ live: new InProcessLiveUpdates(), settle: async () => undefined }));

describe('in-process live updates', () => {
  it('disconnects a subscriber that falls too far behind, after delivering what it buffered, with a retriable error', async () => {
    const live = new InProcessLiveUpdates(3);
    const sub = live.subscribe('v');
    const rows = Array.from({ length: 5 }, (_, i) => ({
      view: 'v', windowStart: 0, windowEnd: 1, key: {}, values: {}, eventCount: i, final: false, revision: i, updatedAt: 0,
    }));
    live.publish(rows);
    const iterator = sub[Symbol.asyncIterator]();
    const seen: number[] = [];
    await expect(
      (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done) return;
          seen.push(next.value.revision);
        }
      })(),
    ).rejects.toMatchObject({ code: 'SUBSCRIBER_TOO_SLOW', retriable: true });
    expect(seen).toEqual([0, 1, 2]);
    expect(live.subscriberCount()).toBe(0);
  });
});
