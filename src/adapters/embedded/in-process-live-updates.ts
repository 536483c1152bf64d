// Live window updates within one process: each subscriber gets its own bounded queue, and a
// subscriber that falls too far behind is ended with an error rather than growing memory forever.

import type { WindowRowRecord } from '../../ports/aggregate-store';
import type { LiveSubscription, LiveUpdates } from '../../ports/live-updates';
import { BoundedSubscription } from '../../stream/bounded-subscription';

type Subscriber = BoundedSubscription<WindowRowRecord>;

export class InProcessLiveUpdates implements LiveUpdates {
  private readonly byView = new Map<string, Set<Subscriber>>();

  constructor(private readonly maxQueuedPerSubscriber = 10_000) {}

  publish(rows: readonly WindowRowRecord[]): void {
    for (const row of rows) {
      const subscribers = this.byView.get(row.view);
      if (subscribers) for (const subscriber of subscribers) subscriber.push(row);
    }
  }

  subscribe(view: string): LiveSubscription {
    const subscriber: Subscriber = new BoundedSubscription<WindowRowRecord>(this.maxQueuedPerSubscriber, (s) => {
      const set = this.byView.get(view);
      set?.delete(s);
      if (set?.size === 0) this.byView.delete(view);
    });
    let set = this.byView.get(view);
    if (!set) this.byView.set(view, (set = new Set()));
    set.add(subscriber);
    return subscriber;
  }

  subscriberCount(): number {
    let count = 0;
    for (const set of this.byView.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    for (const set of [...this.byView.values()]) for (const subscriber of [...set]) subscriber.close();
  }
}
