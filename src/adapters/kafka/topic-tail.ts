// Follows a whole topic on behalf of this instance alone: a consumer in a group of its own that
// never commits, so every instance sees every record (for the checkpoint table and live fan-out).

import type { Consumer, KafkaMessage } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';

export interface TailBatch {
  partition: number;
  messages: KafkaMessage[];
  /** The partition's end offset as of this fetch. */
  endOffset: number;
}

export interface TopicTail {
  close(): Promise<void>;
}

/**
 * Starts following `topic` (a Tributary name) from its beginning or from its end, and resolves once
 * the consumer has joined its group. `onBatch` runs for each fetched batch, one at a time.
 */
export async function tailTopic(
  connection: KafkaConnection,
  options: { purpose: string; topic: string; fromBeginning: boolean; maxBytesPerPartition?: number; onBatch: (batch: TailBatch) => void },
): Promise<TopicTail> {
  await connection.ensureTopic(options.topic);
  const consumer = connection.consumer({
    groupId: `${options.purpose}.${connection.instanceId}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: options.maxBytesPerPartition,
  });
  const joined = untilJoined(consumer);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [connection.name(options.topic)], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => options.onBatch({ partition: batch.partition, messages: batch.messages, endOffset: Number(batch.highWatermark) }),
    });
    await joined;
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  return { close: () => consumer.disconnect() };
}

/** Longest a consumer may take to join its group (brokers delay new groups by 3 s by default). */
const JOIN_TIMEOUT_MS = 60_000;

/**
 * Resolves when the consumer has joined its group. kafkajs reports a failed join only as a CRASH
 * event (run() itself returns), so a crash it will not restart from, or a timeout, rejects instead.
 */
export function untilJoined(consumer: Consumer): Promise<void> {
  const joined = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the consumer did not join its group within ${JOIN_TIMEOUT_MS / 1000} s`)), JOIN_TIMEOUT_MS);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      clearTimeout(timer);
      resolve();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      clearTimeout(timer);
      reject(payload.error);
    });
  });
  joined.catch(() => undefined); // awaited by the caller after connect/subscribe/run
  return joined;
}
