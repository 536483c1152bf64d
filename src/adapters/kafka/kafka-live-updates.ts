// Live updates across instances: the processor on whichever instance owns a window publishes its
// changed rows to one Kafka topic, and every instance follows that topic from its end and hands the
// rows to its own subscribers. Rows are fire-and-forget, like the in-process fan-out: the aggregate
// store, not this topic, is the record.

import type { WindowRowRecord } from '../../ports/aggregate-store';
import type { LiveSubscription, LiveUpdates } from '../../ports/live-updates';
import { InProcessLiveUpdates } from '../embedded/in-process-live-updates';
import { LIVE_TOPIC, type KafkaConnection } from './kafka-connection';
import { tailTopic, type TopicTail } from './topic-tail';

export class KafkaLiveUpdates implements LiveUpdates {
  private readonly sending = new Set<Promise<unknown>>();

  private constructor(
    private readonly connection: KafkaConnection,
    private readonly local: InProcessLiveUpdates,
    private readonly tail: TopicTail,
  ) {}

  static async open(connection: KafkaConnection): Promise<KafkaLiveUpdates> {
    const local = new InProcessLiveUpdates();
    const tail = await tailTopic(connection, {
      purpose: 'live',
      topic: LIVE_TOPIC,
      fromBeginning: false,
      onRecord: ({ value }) => {
        if (value !== null) local.publish(value as WindowRowRecord[]);
      },
    });
    return new KafkaLiveUpdates(connection, local, tail);
  }

  publish(rows: readonly WindowRowRecord[]): void {
    if (rows.length === 0) return;
    const value = JSON.stringify(rows);
    const sent = this.connection.producer.send(this.connection.name(LIVE_TOPIC), [{ key: rows[0].view, value }]).catch((error: unknown) => {
      this.connection.logger.warn({ err: error, view: rows[0].view, rows: rows.length }, 'cannot publish live window updates to Kafka');
    });
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
  }

  /** Resolves once every row published so far has been written and handed to local subscribers. */
  async settle(timeoutMs = 30_000): Promise<void> {
    await Promise.all([...this.sending]);
    await this.tail.caughtUp(timeoutMs);
  }

  subscribe(view: string): LiveSubscription {
    return this.local.subscribe(view);
  }

  subscriberCount(): number {
    return this.local.subscriberCount();
  }

  async close(): Promise<void> {
    await this.tail.close();
    await this.local.close();
  }
}
