// Fan-out of changed window rows to live subscribers. Embedded: in-process. Production: a Kafka
// topic, so a subscriber on one instance sees rows produced by the processor on another.

import type { WindowRowRecord } from './aggregate-store';

export interface LiveSubscription extends AsyncIterable<WindowRowRecord> {
  /** Ends the subscription; pending iteration finishes. */
  close(): void;
}

export interface LiveUpdates {
  publish(rows: readonly WindowRowRecord[]): void;
  /** Rows of one view published after this call. */
  subscribe(view: string): LiveSubscription;
  /** Subscriptions currently open on this instance. */
  subscriberCount(): number;
  close(): Promise<void>;
}
