// A subscription with its own bounded queue: items pushed while the consumer is busy wait in it, and
// a consumer that falls too far behind is ended with a retriable error rather than growing memory
// forever. Live window updates and registry changes are both delivered through it.

import { GatewayError } from '../errors/gateway-error';

export class BoundedSubscription<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((error: unknown) => void) | undefined;
  private ended = false;
  private failure: GatewayError | undefined;

  constructor(
    private readonly maxQueued: number,
    private readonly onClose: (subscriber: BoundedSubscription<T>) => void,
  ) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.fail(new GatewayError('SUBSCRIBER_TOO_SLOW', `subscriber fell more than ${this.maxQueued} messages behind and was disconnected`, { retriable: true }));
      return;
    }
    this.queue.push(item);
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

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
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
