// The production EventLog on Kafka. Appends go through the connection's one idempotent producer with
// acks=all; records are keyed by the caller's partition keys. Consumer groups are Kafka consumer
// groups (kafkajs): offsets are committed only when the member says so, after its own durable work.
// Random reads (`read`) are served by a reader per topic-partition: a consumer in a group of its own
// that is moved with seek and buffers a bounded run of records.

import type { Consumer, EachBatchPayload } from 'kafkajs';
import { untilJoined } from './topic-tail';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import { sleep } from '../../errors/retry';
import { PartitionRewind, type AppendAck, type AppendOptions, type ConsumeOptions, type EventLog, type GroupMember, type LogRecord, type TopicLayout } from '../../ports/event-log';
import { checkAppendInput, checkCount, checkPartitionsExist } from '../event-log-input';
import { KafkaConnection } from './kafka-connection';
import { decodeRecord, encodeRecord } from './record-codec';

/** Readers kept open; the least recently used one is closed beyond this. */
const MAX_READERS = 8;
/** How long a read waits for records the end offset says exist. */
const READ_TIMEOUT_MS = 15_000;
/** Records a reader buffers ahead before it pauses fetching. */
const READER_BUFFER = 5_000;
/** Without an in-process signal, sleepers look again this often. */
const POLL_MS = 200;
/** Pause before a member whose handler failed gets its partition again. */
const MEMBER_RETRY_MS = 1_000;
/** Larger fetches mean fewer, larger batches and checkpoints per partition. */
const GROUP_MAX_BYTES_PER_PARTITION = 4 * 1024 * 1024;

export class KafkaEventLog implements EventLog {
  private readonly readers = new Map<string, PartitionReader>();
  private closing = false;

  constructor(private readonly connection: KafkaConnection) {}

  async append(topic: string, values: readonly unknown[], options: AppendOptions = {}): Promise<AppendAck> {
    this.assertOpen();
    checkAppendInput(values, options);
    if (values.length === 0) return { baseOffset: await this.endOffset(topic), count: 0 };
    checkPartitionsExist(options, topic, await this.connection.ensureTopic(topic));
    const messages = values.map((value, i) => encodeRecord(value, options.keys?.[i], options.partitions?.[i]));
    const produced = await this.connection.producer.send(this.connection.name(topic), messages);
    return { baseOffset: Math.min(...produced.map((p) => p.baseOffset)), count: values.length };
  }

  async read<T = unknown>(topic: string, fromOffset: number, maxRecords: number, partition = 0): Promise<LogRecord<T>[]> {
    this.assertOpen();
    checkCount(fromOffset, 'fromOffset');
    checkCount(maxRecords, 'maxRecords');
    if (maxRecords === 0) return [];
    // Paging through what a reader has already fetched needs no round trip for the end offset:
    // a buffered record at `fromOffset` proves the end lies beyond it.
    const buffered = this.readers.get(readerKey(topic, partition));
    if (buffered?.holds(fromOffset)) return (await this.reader(topic, partition)).read(fromOffset, maxRecords, fromOffset + 1) as Promise<LogRecord<T>[]>;
    const end = await this.endOffset(topic, partition);
    if (fromOffset >= end) return [];
    return (await this.reader(topic, partition)).read(fromOffset, maxRecords, end) as Promise<LogRecord<T>[]>;
  }

  async endOffset(topic: string, partition = 0): Promise<number> {
    this.assertOpen();
    return this.connection.endOffset(topic, partition);
  }

  async partitionCount(topic: string): Promise<number> {
    this.assertOpen();
    return this.connection.ensureTopic(topic);
  }

  async createTopic(topic: string, layout: TopicLayout): Promise<number> {
    this.assertOpen();
    return this.connection.ensureTopic(topic, layout);
  }

  async topics(): Promise<string[]> {
    this.assertOpen();
    const prefix = this.connection.settings.topicPrefix;
    try {
      const names = (await this.connection.admin.listTopics()).filter((name) => name.startsWith(prefix));
      const held = await Promise.all(
        names.map(async (name) => (await this.connection.admin.fetchTopicOffsets(name)).some((p) => Number(p.high) > 0)),
      );
      return names.filter((_, i) => held[i]).map((name) => name.slice(prefix.length)).sort();
    } catch (cause) {
      throw storageUnavailable('cannot list Kafka topics', cause);
    }
  }

  /** One metadata round trip to the cluster, answered or not within `timeoutMs`. */
  async reachable(timeoutMs: number): Promise<void> {
    this.assertOpen();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.connection.admin.describeCluster(), late]);
    } catch (cause) {
      throw storageUnavailable(`cannot reach Kafka at ${this.connection.settings.brokers.join(', ')}`, cause);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Appends by other instances cannot be seen from here, so sleepers poll. */
  async waitForAppend(timeoutMs: number): Promise<void> {
    await sleep(Math.min(timeoutMs, POLL_MS));
  }

  async consume<T>(group: string, topic: string, member: GroupMember<T>, { maxRecords, signal }: ConsumeOptions): Promise<void> {
    this.assertOpen();
    await this.connection.ensureTopic(topic);
    const kafkaTopic = this.connection.name(topic);
    const { sessionTimeoutMs } = this.connection.settings;
    const consumer = this.connection.consumer({
      groupId: group,
      maxBytesPerPartition: GROUP_MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: 500,
      sessionTimeout: sessionTimeoutMs,
      // Kafka's advice: heartbeats at most a third of the session timeout apart.
      heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeoutMs / 3)),
    });
    const logger = this.connection.logger.child({ group, topic });
    /** Where each partition stands for the group: its last commit, or where this member began. */
    const committed = new Map<number, number>();
    let crashed: (error: unknown) => void = () => undefined;
    const crash = new Promise<never>((_, reject) => (crashed = reject));
    crash.catch(() => undefined);

    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      committed.clear();
      member.assigned(payload.memberAssignment[kafkaTopic] ?? []);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) crashed(payload.error);
    });

    const handleBatch = async ({ batch, resolveOffset, heartbeat, isStale, isRunning }: EachBatchPayload): Promise<void> => {
      const partition = batch.partition;
      if (!committed.has(partition)) committed.set(partition, Number(batch.firstOffset()));
      for (let start = 0; start < batch.messages.length; start += maxRecords) {
        if (isStale() || !isRunning() || signal.aborted) return;
        const chunk = batch.messages.slice(start, start + maxRecords);
        const records = chunk.map((message) => ({ offset: Number(message.offset), value: decodeRecord(message) as T }));
        try {
          const commit = await member.handle({ topic, partition, records, endOffset: Number(batch.highWatermark) });
          if (commit !== undefined) {
            await consumer.commitOffsets([{ topic: kafkaTopic, partition, offset: String(commit) }]);
            committed.set(partition, commit);
          }
        } catch (error) {
          if (signal.aborted) return;
          if (error instanceof PartitionRewind) {
            consumer.seek({ topic: kafkaTopic, partition, offset: String(error.offset) });
            return;
          }
          logger.warn({ err: error, partition }, 'consumer-group member failed a batch; reading the partition again from its last commit');
          consumer.seek({ topic: kafkaTopic, partition, offset: String(committed.get(partition)) });
          await sleep(MEMBER_RETRY_MS, signal);
          return;
        }
        resolveOffset(chunk[chunk.length - 1].offset);
        await heartbeat();
      }
    };

    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [kafkaTopic], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: handleBatch });
      let onAbort = (): void => undefined;
      const stopped = new Promise<void>((resolve) => {
        onAbort = () => resolve();
        if (signal.aborted) resolve();
        signal.addEventListener('abort', onAbort, { once: true });
      });
      await Promise.race([stopped, crash]).finally(() => signal.removeEventListener('abort', onAbort));
    } catch (cause) {
      throw storageUnavailable(`consumer group ${this.connection.name(group)} on ${kafkaTopic} stopped`, cause);
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.readers.values()].map((reader) => reader.close()));
    this.readers.clear();
  }

  private async reader(topic: string, partition: number): Promise<PartitionReader> {
    const key = readerKey(topic, partition);
    let reader = this.readers.get(key);
    if (reader) {
      // Most recently used last.
      this.readers.delete(key);
      this.readers.set(key, reader);
      return reader;
    }
    reader = new PartitionReader(this.connection, topic, partition);
    this.readers.set(key, reader);
    if (this.readers.size > MAX_READERS) {
      const [oldestKey, oldest] = this.readers.entries().next().value as [string, PartitionReader];
      this.readers.delete(oldestKey);
      void oldest.close();
    }
    return reader;
  }

  private assertOpen(): void {
    if (this.closing) throw new GatewayError('SHUTTING_DOWN', 'the event log is closed');
  }
}

function readerKey(topic: string, partition: number): string {
  return `${topic}#${partition}`;
}

/**
 * Reads one partition from any offset. kafkajs only reads through consumer groups, so the reader is
 * the sole member of a group of its own that never commits; it seeks when asked for an offset other
 * than the one it has reached, and buffers ahead up to READER_BUFFER records.
 */
class PartitionReader {
  private readonly consumer: Consumer;
  private readonly kafkaTopic: string;
  /** Connected, subscribed and running (the group join completes later, in `joined`). */
  private readonly running: Promise<void>;
  private readonly joined: Promise<void>;
  private closed = false;
  private markClosed!: () => void;
  private readonly closedSignal = new Promise<void>((resolve) => (this.markClosed = resolve));
  private buffer: LogRecord[] = [];
  /** The offset the next buffered record must be at least. */
  private expected = 0;
  private paused = false;
  private wake: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    connection: KafkaConnection,
    topic: string,
    private readonly partition: number,
  ) {
    this.kafkaTopic = connection.name(topic);
    this.consumer = connection.consumer({ groupId: `reader.${connection.instanceId}.${topic}.${partition}`, maxWaitTimeInMs: 100 });
    // Listen for the join before connecting, so a fast join is not missed.
    this.joined = untilJoined(this.consumer);
    this.running = this.start();
    this.joined.catch(() => undefined);
    this.running.catch(() => undefined);
  }

  /** True when the record at `offset` is in this reader's buffer. */
  holds(offset: number): boolean {
    return this.buffer.length > 0 && this.buffer[0].offset <= offset && offset < this.expected;
  }

  /** Records from `fromOffset`, at most `maxRecords`; the partition's end is `end`. Calls run one at a time. */
  read(fromOffset: number, maxRecords: number, end: number): Promise<LogRecord[]> {
    const result = this.queue.then(() => this.readNow(fromOffset, maxRecords, end));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.markClosed();
    this.wake?.();
    // A consumer disconnected halfway through connecting could go on running: let start-up finish.
    await this.running.catch(() => undefined);
    await this.consumer.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    await this.consumer.connect();
    if (this.closed) return;
    await this.consumer.subscribe({ topics: [this.kafkaTopic], fromBeginning: true });
    if (this.closed) return;
    await this.consumer.run({ autoCommit: false, eachBatch: (payload) => this.accept(payload) });
  }

  private async readNow(fromOffset: number, maxRecords: number, end: number): Promise<LogRecord[]> {
    try {
      await this.running;
      await Promise.race([this.joined, this.closedSignal]);
    } catch (cause) {
      throw storageUnavailable(`cannot start a reader of ${this.kafkaTopic}[${this.partition}]`, cause);
    }
    this.assertOpen();
    const first = this.buffer[0]?.offset ?? this.expected;
    if (fromOffset < first || fromOffset > this.expected) {
      this.buffer = [];
      this.expected = fromOffset;
      this.consumer.seek({ topic: this.kafkaTopic, partition: this.partition, offset: String(fromOffset) });
    } else {
      this.buffer = this.buffer.filter((record) => record.offset >= fromOffset);
    }
    this.resumeIfDrained();
    const deadline = Date.now() + READ_TIMEOUT_MS;
    while (this.buffer.length === 0 && this.expected < end) {
      this.assertOpen();
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new GatewayError('STORAGE_UNAVAILABLE', `no records of ${this.kafkaTopic}[${this.partition}] arrived from offset ${fromOffset} within ${READ_TIMEOUT_MS / 1000} s`, { retriable: true });
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, POLL_MS));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const records = this.buffer.splice(0, maxRecords);
    this.resumeIfDrained();
    return records;
  }

  private async accept({ batch, isStale, pause }: EachBatchPayload): Promise<void> {
    if (batch.partition !== this.partition) {
      pause(); // another partition of the topic: not this reader's
      return;
    }
    if (isStale()) return;
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < this.expected) continue;
      this.buffer.push({ offset, value: decodeRecord(message) });
      this.expected = offset + 1;
    }
    if (this.buffer.length >= READER_BUFFER && !this.paused) {
      this.paused = true;
      this.consumer.pause([{ topic: this.kafkaTopic, partitions: [this.partition] }]);
    }
    this.wake?.();
  }

  private assertOpen(): void {
    if (this.closed) throw new GatewayError('SHUTTING_DOWN', `the reader of ${this.kafkaTopic}[${this.partition}] is closed`);
  }

  private resumeIfDrained(): void {
    if (this.paused && this.buffer.length < READER_BUFFER / 2) {
      this.paused = false;
      this.consumer.resume([{ topic: this.kafkaTopic, partitions: [this.partition] }]);
    }
  }
}
