// Follows a single-partition topic of JSON records on behalf of this instance alone: a consumer in a
// group of its own that never commits, so every instance sees every record (the checkpoint table and
// the live fan-out). It knows how far it has read, so callers can wait until it has caught up.

import type { Consumer } from 'kafkajs';
import type { KafkaConnection } from './kafka-connection';

export interface TailRecord {
  key: string | undefined;
  /** The record's JSON value; null for a tombstone. */
  value: unknown;
  offset: number;
}

export interface TopicTail {
  /**
   * Resolves true once every record written before the call has been handed to `onRecord`, or false
   * when that took longer than `timeoutMs` or the tail was closed.
   */
  caughtUp(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

const CATCH_UP_POLL_MS = 10;

/**
 * Starts following `topic` (a Tributary name) from its beginning or from its end, and resolves once
 * the consumer has joined its group. `onRecord` runs for each record in order; a record that is not
 * JSON, or that `onRecord` cannot take, is logged and skipped.
 */
export async function tailTopic(
  connection: KafkaConnection,
  options: { purpose: string; topic: string; fromBeginning: boolean; maxBytesPerPartition?: number; onRecord: (record: TailRecord) => void },
): Promise<TopicTail> {
  await connection.ensureTopic(options.topic);
  const consumer = connection.consumer({
    groupId: `${options.purpose}.${connection.instanceId}`,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: options.maxBytesPerPartition,
  });
  /** Offset after the last record handed over (or skipped). */
  let position = 0;
  let closed = false;
  // A tail from the end starts at the end as of this call: the consumer's own "latest" would be
  // taken at its first fetch, later, and records written in between would be neither handed over
  // nor waited for. It seeks there once joined and ignores whatever it fetched before.
  const start = options.fromBeginning ? 0 : await connection.endOffset(options.topic, 0);
  let placed = options.fromBeginning;
  const joined = untilJoined(consumer);
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [connection.name(options.topic)], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, isStale }) => {
        if (!placed || isStale()) return;
        for (const message of batch.messages) {
          try {
            const value = message.value === null ? null : (JSON.parse(message.value.toString('utf8')) as unknown);
            options.onRecord({ key: message.key?.toString('utf8'), value, offset: Number(message.offset) });
          } catch (error) {
            connection.logger.error({ err: error, topic: options.topic, offset: message.offset }, `unreadable ${options.purpose} record skipped`);
          }
          position = Math.max(position, Number(message.offset) + 1);
        }
      },
    });
    await joined;
    if (!placed) {
      consumer.seek({ topic: connection.name(options.topic), partition: 0, offset: String(start) });
      position = start;
      placed = true;
    }
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw error;
  }
  return {
    caughtUp: async (timeoutMs) => {
      const end = await connection.endOffset(options.topic, 0);
      const deadline = Date.now() + timeoutMs;
      while (position < end) {
        if (closed || Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
      }
      return true;
    },
    close: () => {
      closed = true;
      return consumer.disconnect();
    },
  };
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
