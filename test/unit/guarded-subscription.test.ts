import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error';
import { guardedSubscription } from '../../src/graphql/guarded-subscription';
import { BoundedSubscription } from '../../src/stream/bounded-subscription';
import { waitFor } from '../helpers/gateway-process';

describe('guarded subscriptions', () => {
  const setup = () => {
    let allowed = true;
    let closed = false;
    const source = new BoundedSubscription<number>(100, () => (closed = true));
    const check = () => {
      if (!allowed) throw new GatewayError('FORBIDDEN', 'no longer allowed');
    };
    return { source, check, deny: () => (allowed = false), isClosed: () => closed };
  };

  it('delivers while allowed, and refuses the next item once the check fails', async () => {
    const { source, check, deny, isClosed } = setup();
    const guarded = guardedSubscription(source, check, 60_000);
    source.push(1);
    expect(await guarded.next()).toEqual({ value: 1, done: false });
    deny();
    source.push(2);
    await expect(guarded.next()).rejects.toThrow('no longer allowed');
    expect(isClosed()).toBe(true);
    await expect(guarded.next()).rejects.toThrow('no longer allowed');
  });

  it('ends a quiet subscription by the periodic check', async () => {
    const { source, check, deny, isClosed } = setup();
    const guarded = guardedSubscription(source, check, 10);
    const pending = guarded.next();
    deny();
    await expect(pending).rejects.toThrow('no longer allowed');
    await waitFor(() => isClosed() || undefined, { timeoutMs: 5_000, what: 'the source to be closed' });
  });

  it('closes its source when the consumer stops', async () => {
    const { source, check, isClosed } = setup();
    const guarded = guardedSubscription(source, check, 60_000);
    await guarded.return!();
    expect(isClosed()).toBe(true);
  });
});
