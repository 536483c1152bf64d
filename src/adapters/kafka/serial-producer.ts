// Every write to Kafka goes through one idempotent producer, one request at a time: kafkajs assigns
// idempotence sequence numbers per send, and concurrent sends to one partition can be dropped by the
// broker as duplicates while every send still resolves (kafkajs issue #1005). Appends that arrive
// while a request is out are gathered into the next request (group commit), so one-at-a-time costs
// little. The queue is bounded: when the cluster is slow, writers get a retriable OVERLOADED error
// instead of growing memory, and an append still queued after 10 s is dropped unsent. An append whose
// request failed may still have reached some partitions (kafkajs keeps what brokers accepted): writes
// are at-least-once for a caller that retries, until deduplication by event id exists.

import { CompressionTypes, Partitioners, type Kafka, type Message, type Producer, type RecordMetadata } from 'kafkajs';
import { GatewayError } from '../../errors/gateway-error';
import type { Logger } from '../../observability/logger';

export interface ProducedPartition {
  partition: number;
  baseOffset: number;
}

interface PendingAppend {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve(partitions: ProducedPartition[]): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

/** Most bytes of appends that may wait for the broker; more is refused with OVERLOADED. */
const MAX_QUEUED_BYTES = 64 * 1024 * 1024;
/**
 * Most bytes (as estimated by sizeOf) one produce request carries. A broker refuses a partition's
 * record batch over its message.max.bytes, 1 MiB by default, so a request stays below that whatever
 * its partitions; a larger append goes out as several requests in a row. A single record larger than
 * this goes alone (topics that hold such records, like `_checkpoints`, raise their own limit).
 */
const MAX_REQUEST_BYTES = 900 * 1024;
/**
 * An append still waiting after this long is dropped and refused as retriable. Together with the
 * send deadline it bounds how long an ingest request can hang on a cluster that is away (a broker
 * killed or paused): callers hear a retriable error well inside common HTTP client timeouts (30 s).
 */
const QUEUE_TIMEOUT_MS = 10_000;
/** How long the broker may take to replicate a request to all in-sync replicas. */
const ACK_TIMEOUT_MS = 10_000;
/** How long a writer waits for its request's acknowledgement, retries included. */
const SEND_DEADLINE_MS = 15_000;

export class SerialProducer {
  private readonly producer: Producer;
  private readonly queue: PendingAppend[] = [];
  private queuedBytes = 0;
  private sending = false;
  private closed = false;

  constructor(kafka: Kafka, private readonly logger: Logger) {
    // Unlimited retries, as idempotence requires; ACK_TIMEOUT_MS and QUEUE_TIMEOUT_MS bound the wait.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5_000 },
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /**
   * Sends the messages to `topic` (already the Kafka name) with acks=all; resolves with the base
   * offset per partition once every in-sync replica has them. Messages of one call keep their order.
   */
  send(topic: string, messages: Message[]): Promise<ProducedPartition[]> {
    if (this.closed) return Promise.reject(new GatewayError('SHUTTING_DOWN', 'the Kafka producer is closed'));
    const chunks = chunkByBytes(messages, MAX_REQUEST_BYTES);
    const bytes = chunks.reduce((sum, chunk) => sum + chunk.bytes, 0);
    if (this.queuedBytes + bytes > MAX_QUEUED_BYTES && this.queue.length > 0) {
      return Promise.reject(
        new GatewayError('OVERLOADED', `Kafka is not keeping up: ${Math.round(this.queuedBytes / 1048576)} MiB are waiting to be written; retry shortly`, {
          retriable: true,
          details: { retryAfterMs: 1_000 },
        }),
      );
    }
    if (chunks.length === 1) return this.enqueue(topic, messages, chunks[0].bytes);
    // Queued back to back, so no other append comes between them and each partition keeps their order.
    return Promise.all(chunks.map((chunk) => this.enqueue(topic, chunk.messages, chunk.bytes))).then(firstOffsets);
  }

  private enqueue(topic: string, messages: Message[], bytes: number): Promise<ProducedPartition[]> {
    return new Promise((resolve, reject) => {
      const pending: PendingAppend = {
        topic,
        messages,
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(pending), QUEUE_TIMEOUT_MS),
      };
      this.queue.push(pending);
      this.queuedBytes += bytes;
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.sending) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const pending of this.queue.splice(0)) {
      clearTimeout(pending.timer);
      pending.reject(new GatewayError('SHUTTING_DOWN', 'the Kafka producer closed before this write was sent'));
    }
    await this.producer.disconnect();
  }

  private expire(pending: PendingAppend): void {
    const at = this.queue.indexOf(pending);
    if (at < 0) return; // already being sent: its request decides
    this.queue.splice(at, 1);
    this.queuedBytes -= pending.bytes;
    pending.reject(new GatewayError('STORAGE_UNAVAILABLE', `Kafka did not take this write within ${QUEUE_TIMEOUT_MS / 1000} s; nothing was written`, { retriable: true }));
  }

  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const batch: PendingAppend[] = [];
    let bytes = 0;
    while (this.queue.length > 0 && (batch.length === 0 || bytes + this.queue[0].bytes <= MAX_REQUEST_BYTES)) {
      const next = this.queue.shift()!;
      clearTimeout(next.timer);
      bytes += next.bytes;
      batch.push(next);
    }
    this.queuedBytes -= bytes;
    void this.sendBatch(batch).finally(() => {
      this.sending = false;
      this.pump();
    });
  }

  private async sendBatch(batch: PendingAppend[]): Promise<void> {
    // Appends to the same topic are joined in arrival order; kafkajs keeps that order per partition,
    // so each append's records follow those of the appends before it.
    const byTopic = new Map<string, Message[]>();
    for (const pending of batch) byTopic.set(pending.topic, [...(byTopic.get(pending.topic) ?? []), ...pending.messages]);
    const sent = this.producer.sendBatch({
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
      timeout: ACK_TIMEOUT_MS,
      compression: CompressionTypes.None,
    });
    // The callers get an answer within SEND_DEADLINE_MS; the next request still waits for this one,
    // so sends never overlap (kafkajs keeps retrying a request while brokers are away).
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${SEND_DEADLINE_MS / 1000} s; the write may or may not be stored`)), SEND_DEADLINE_MS);
    });
    try {
      resolveInOrder(batch, await Promise.race([sent, deadline]));
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      this.logger.warn({ err: cause, appends: batch.length }, 'Kafka produce request failed');
      const error = new GatewayError('STORAGE_UNAVAILABLE', `Kafka did not acknowledge the write: ${reason}`, { retriable: true, cause });
      for (const pending of batch) pending.reject(error);
    } finally {
      clearTimeout(timer);
    }
    await sent.catch(() => undefined);
  }
}

/** Gives each append the base offsets of its own records, per partition. */
function resolveInOrder(batch: PendingAppend[], metadata: RecordMetadata[]): void {
  const next = new Map<string, number>();
  for (const entry of metadata) next.set(`${entry.topicName}\u0000${entry.partition}`, Number(entry.baseOffset ?? entry.offset ?? 0));
  const partitionsOf = partitionsBySend(batch, metadata);
  batch.forEach((pending, index) => {
    const produced: ProducedPartition[] = [];
    for (const [partition, count] of partitionsOf[index]) {
      const key = `${pending.topic}\u0000${partition}`;
      const baseOffset = next.get(key) ?? 0;
      produced.push({ partition, baseOffset });
      next.set(key, baseOffset + count);
    }
    pending.resolve(produced);
  });
}

/**
 * Record counts per partition, per append. Only single-partition topics need exact per-append bases;
 * for those every record is in partition 0. Partitioned topics report their partitions' bases.
 */
function partitionsBySend(batch: PendingAppend[], metadata: RecordMetadata[]): Map<number, number>[] {
  return batch.map((pending) => {
    const partitions = metadata.filter((entry) => entry.topicName === pending.topic).map((entry) => entry.partition);
    const counts = new Map<number, number>();
    if (partitions.length === 1) counts.set(partitions[0], pending.messages.length);
    else for (const partition of partitions) counts.set(partition, 0);
    return counts;
  });
}

/** Splits messages, in order, into runs of at most `limit` bytes (a larger message is a run of its own). */
function chunkByBytes(messages: Message[], limit: number): { messages: Message[]; bytes: number }[] {
  const chunks: { messages: Message[]; bytes: number }[] = [];
  let current: { messages: Message[]; bytes: number } = { messages: [], bytes: 0 };
  for (const message of messages) {
    const size = sizeOf(message);
    if (current.messages.length > 0 && current.bytes + size > limit) {
      chunks.push(current);
      current = { messages: [], bytes: 0 };
    }
    current.messages.push(message);
    current.bytes += size;
  }
  chunks.push(current);
  return chunks;
}

/** The first base offset of each partition over the parts of one append. */
function firstOffsets(parts: ProducedPartition[][]): ProducedPartition[] {
  const first = new Map<number, number>();
  for (const part of parts) for (const { partition, baseOffset } of part) if (!first.has(partition)) first.set(partition, baseOffset);
  return [...first].map(([partition, baseOffset]) => ({ partition, baseOffset }));
}

function sizeOf(message: Message): number {
  let size = 64 + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) size += name.length + byteLength(value as Buffer | string | undefined);
  return size;
}

function byteLength(value: Buffer | string | null | undefined | (Buffer | string)[]): number {
  if (value === null || value === undefined) return 0;
  if (Array.isArray(value)) return value.reduce((sum, item) => sum + byteLength(item), 0);
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}
