// The readiness probe of the event log runs its check at most once per interval, whatever the
// number of callers, and answers everyone from it. Time is an injected clock.

import { describe, expect, it } from 'vitest';
import { cachedProbe } from '../../src/observability/cached-probe';

describe('cachedProbe', () => {
  it('checks once per interval and gives every caller in between the same answer', async () => {
    let now = 0;
    let checks = 0;
    const probe = cachedProbe(1_000, async () => `answer ${++checks}`, () => now);
    expect(await Promise.all([probe(), probe(), probe()])).toEqual(['answer 1', 'answer 1', 'answer 1']);
    now = 999;
    expect(await probe()).toBe('answer 1');
    now = 1_000;
    expect(await probe()).toBe('answer 2');
    expect(checks).toBe(2);
  });
});
