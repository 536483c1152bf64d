// The CheckpointStore in Kafka mode: a compacted topic keyed by job id (Kafka Streams' changelog
// pattern), so a partition's checkpoint is there for whichever instance owns the partition next.
// Every instance follows the topic into an in-memory table; a load first waits until the table has
// caught up with the topic's end, so it sees every checkpoint saved before the call, on any instance.

import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { Checkpoint, CheckpointStore } from '../../ports/checkpoint-store';
import { CHECKPOINT_TOPIC, type KafkaConnection } from './kafka-connection';
import { tailTopic, type TopicTail } from './topic-tail';

const CATCH_UP_TIMEOUT_MS = 30_000;

export class KafkaCheckpointStore implements CheckpointStore {
  private closed = false;

  private constructor(
    private readonly connection: KafkaConnection,
    private readonly tail: TopicTail,
    /** Latest checkpoint per job id, as far as the tail has read (and this instance has saved). */
    private readonly table: Map<string, Checkpoint>,
  ) {}

  static async open(connection: KafkaConnection): Promise<KafkaCheckpointStore> {
    const table = new Map<string, Checkpoint>();
    const tail = await tailTopic(connection, {
      purpose: 'checkpoints',
      topic: CHECKPOINT_TOPIC,
      fromBeginning: true,
      maxBytesPerPartition: 16 * 1024 * 1024,
      onRecord: ({ key, value }) => {
        if (key === undefined) return;
        if (value === null) table.delete(key);
        else table.set(key, value as Checkpoint);
      },
    });
    return new KafkaCheckpointStore(connection, tail, table);
  }

  async load<S>(jobId: string): Promise<Checkpoint<S> | undefined> {
    this.assertOpen();
    if (!(await this.tail.caughtUp(CATCH_UP_TIMEOUT_MS))) {
      this.assertOpen();
      throw new GatewayError('STORAGE_UNAVAILABLE', `checkpoints did not catch up with ${this.connection.name(CHECKPOINT_TOPIC)} within ${CATCH_UP_TIMEOUT_MS / 1000} s`, {
        retriable: true,
      });
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
    await this.tail.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new GatewayError('SHUTTING_DOWN', 'the checkpoint store is closed');
  }
}
