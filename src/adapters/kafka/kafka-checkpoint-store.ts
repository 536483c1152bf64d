// The CheckpointStore in Kafka mode: a compacted topic keyed by job id (Kafka Streams' changelog
// pattern), so a partition's checkpoint is there for whichever instance owns the partition next.
// Every instance follows the topic into an in-memory table; a load first waits until the table has
// caught up with the topic's end, so it sees every checkpoint saved before the call, on any instance.

import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { Checkpoint, CheckpointStore } from '../../ports/checkpoint-store';
import { CHECKPOINT_TOPIC, type KafkaConnection } from './kafka-connection';
import { tailTopic, type TopicTail } from './topic-tail';

const CATCH_UP_TIMEOUT_MS = 30_000;
const CATCH_UP_POLL_MS = 20;

export class KafkaCheckpointStore implements CheckpointStore {
  private readonly table = new Map<string, Checkpoint>();
  /** Offset after the last record applied to the table. */
  private position = 0;
  private closed = false;

  private constructor(private readonly connection: KafkaConnection) {}

  private tail: TopicTail | undefined;

  static async open(connection: KafkaConnection): Promise<KafkaCheckpointStore> {
    const store = new KafkaCheckpointStore(connection);
    store.tail = await tailTopic(connection, {
      purpose: 'checkpoints',
      topic: CHECKPOINT_TOPIC,
      fromBeginning: true,
      maxBytesPerPartition: 16 * 1024 * 1024,
      onBatch: ({ messages }) => {
        for (const message of messages) {
          const jobId = message.key?.toString('utf8');
          if (jobId === undefined) continue;
          store.position = Number(message.offset) + 1;
          if (message.value === null) {
            store.table.delete(jobId);
            continue;
          }
          try {
            store.table.set(jobId, JSON.parse(message.value.toString('utf8')) as Checkpoint);
          } catch (error) {
            // Not written by Tributary; the job restores its previous checkpoint or none.
            connection.logger.error({ err: error, jobId, offset: message.offset }, 'unreadable checkpoint record skipped');
          }
        }
      },
    });
    return store;
  }

  async load<S>(jobId: string): Promise<Checkpoint<S> | undefined> {
    this.assertOpen();
    const end = await this.connection.endOffset(CHECKPOINT_TOPIC, 0);
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
    while (this.position < end) {
      if (Date.now() > deadline) {
        throw new GatewayError('STORAGE_UNAVAILABLE', `checkpoints did not catch up with ${this.connection.name(CHECKPOINT_TOPIC)} (at ${this.position} of ${end})`, {
          retriable: true,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS));
      this.assertOpen();
    }
    return this.table.get(jobId) as Checkpoint<S> | undefined;
  }

  async save<S>(jobId: string, checkpoint: Checkpoint<S>): Promise<void> {
    this.assertOpen();
    let value: string;
    try {
      value = JSON.stringify(checkpoint);
    } catch (cause) {
      throw new GatewayError('BAD_USER_INPUT', `the checkpoint of job "${jobId}" cannot be stored as JSON`, { path: 'checkpoint', cause });
    }
    try {
      await this.connection.ensureTopic(CHECKPOINT_TOPIC);
      await this.connection.producer.send(this.connection.name(CHECKPOINT_TOPIC), [{ key: jobId, value }]);
    } catch (cause) {
      throw storageUnavailable(`cannot save the checkpoint of job "${jobId}"`, cause);
    }
    this.table.set(jobId, checkpoint as Checkpoint);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new GatewayError('SHUTTING_DOWN', 'the checkpoint store is closed');
  }
}
