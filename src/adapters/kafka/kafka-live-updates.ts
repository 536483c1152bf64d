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
  private readonly local = new InProcessLiveUpdates();
  private readonly sending = new Set<Promise<unknown>>();
  private tail: TopicTail | undefined;
  /** Offset after the last live record handed to local subscribers. */
  private position = 0;

  private constructor(private readonly connection: KafkaConnection) {}

  static async open(connection: KafkaConnection): Promise<KafkaLiveUpdates> {
    const live = new KafkaLiveUpdates(connection);
    live.tail = await tailTopic(connection, {
      purpose: 'live',
      topic: LIVE_TOPIC,
      fromBeginning: false,
      onBatch: ({ messages }) => {
        for (const message of messages) {
          try {
            if (message.value) live.local.publish(JSON.parse(message.value.toString('utf8')) as WindowRowRecord[]);
          } catch (error) {
            connection.logger.warn({ err: error, offset: message.offset }, 'unreadable live-update record skipped');
          }
          live.position = Math.max(live.position, Number(message.offset) + 1);
        }
      },
    });
    // The tail starts at the end: nothing before it will ever be delivered here.
    live.position = Math.max(live.position, await connection.endOffset(LIVE_TOPIC, 0));
    return live;
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
    const end = await this.connection.endOffset(LIVE_TOPIC, 0);
    const deadline = Date.now() + timeoutMs;
    while (this.position < end && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  subscribe(view: string): LiveSubscription {
    return this.local.subscribe(view);
  }

  subscriberCount(): number {
    return this.local.subscriberCount();
  }

  async close(): Promise<void> {
    await this.tail?.close();
    await this.local.close();
  }
}
