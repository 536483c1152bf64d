// Live window updates within one process: each subscriber gets its own bounded queue, and a
// subscriber that falls too far behind is ended with an error rather than growing memory forever.

import { GatewayError } from '../../errors/gateway-error';
import type { WindowRowRecord } from '../../ports/aggregate-store';
import type { LiveSubscription, LiveUpdates } from '../../ports/live-updates';

class Subscriber implements LiveSubscription {
  private readonly queue: WindowRowRecord[] = [];
  private waiting: ((result: IteratorResult<WindowRowRecord>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private ended = false;
  private failure: GatewayError | undefined;

  constructor(
    private readonly maxQueued: number,
    private readonly onClose: (subscriber: Subscriber) => void,
  ) {}

  push(row: WindowRowRecord): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: row, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.fail(new GatewayError('SUBSCRIBER_TOO_SLOW', `subscriber fell more than ${this.maxQueued} updates behind and was disconnected`, { retriable: true }));
      return;
    }
    this.queue.push(row);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.onClose(this);
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = undefined;
  }

  private fail(error: GatewayError): void {
    this.failure = error;
    const reject = this.failWaiting;
    this.close();
    reject?.(error);
  }

  [Symbol.asyncIterator](): AsyncIterator<WindowRowRecord> {
    return {
      next: () => {
        const row = this.queue.shift();
        if (row) return Promise.resolve({ value: row, done: false });
        if (this.failure) return Promise.reject(this.failure);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
      return: () => {
        this.close();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

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
    const subscriber = new Subscriber(this.maxQueuedPerSubscriber, (s) => {
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
