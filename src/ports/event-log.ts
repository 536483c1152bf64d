// The durable, ordered log that every accepted event and every control-plane command is written to.
// Embedded: LMDB, one partition per topic. Production: Kafka, where a topic has one or more
// partitions and an offset identifies a record within its partition. Internal topics that need one
// total order (`_meta`, quarantine topics) always have a single partition.

export interface LogRecord<T = unknown> {
  offset: number;
  value: T;
}

export interface AppendOptions {
  /**
   * Partition key of each value (same length as `values`): records with equal keys land in the same
   * partition, in append order. Without keys the log spreads records as it sees fit. A log with one
   * partition per topic ignores them.
   */
  keys?: readonly string[];
  /**
   * Partition of each value (same length as `values`), instead of one picked by key: for records
   * every partition must see, such as a router's watermarks.
   */
  partitions?: readonly number[];
}

/** How a new topic is laid out; what is left out takes the log's defaults. */
export interface TopicLayout {
  partitions?: number;
  /** Copies of each partition; -1 takes the cluster's default. */
  replicationFactor?: number;
}

export interface AppendAck {
  /**
   * Offset of the first appended record in its partition. On a single-partition topic the rest follow
   * it without gaps; on a partitioned topic only the count is meaningful.
   */
  baseOffset: number;
  count: number;
}

/** A run of consecutive records of one partition, handed to a consumer-group member. */
export interface LogBatch<T> {
  topic: string;
  partition: number;
  records: LogRecord<T>[];
  /** The partition's end offset (the offset its next record will get) as of this read. */
  endOffset: number;
}

/**
 * Thrown by a member's `handle` when it was given records past the offset it stands at (its state was
 * saved further back than the group's commit): the log then delivers the partition from `offset`.
 */
export class PartitionRewind extends Error {
  constructor(
    readonly partition: number,
    readonly offset: number,
  ) {
    super(`partition ${partition} must be read again from offset ${offset}`);
    this.name = 'PartitionRewind';
  }
}

/**
 * One member of a consumer group. The group splits a topic's partitions among its members (one
 * process in embedded mode; every gateway instance in Kafka mode) and redistributes them when a
 * member joins or leaves.
 */
export interface GroupMember<T> {
  /** Called after every (re)assignment with the partitions this member now owns. */
  assigned(partitions: readonly number[]): void;
  /**
   * Handles one batch. Resolves with the offset to commit for the group (the next offset to read),
   * or undefined to commit nothing. A throw makes the log deliver the partition again from the last
   * committed offset (from the rewind's offset for a PartitionRewind), after a pause.
   */
  handle(batch: LogBatch<T>): Promise<number | undefined>;
}

export interface ConsumeOptions {
  /** Most records per batch. */
  maxRecords: number;
  /** Stops consuming; `consume` resolves once the member has left the group. */
  signal: AbortSignal;
}

export interface EventLog {
  /**
   * Appends the values as one unit, creating the topic if needed. Resolves only once the records are
   * durable (fsynced, or acknowledged by all in-sync replicas); rejects with a GatewayError otherwise.
   */
  append(topic: string, values: readonly unknown[], options?: AppendOptions): Promise<AppendAck>;

  /** Reads up to `maxRecords` records of one partition starting at `fromOffset`, in offset order. */
  read<T = unknown>(topic: string, fromOffset: number, maxRecords: number, partition?: number): Promise<LogRecord<T>[]>;

  /** The offset the next appended record of the partition will get (0 for an empty or unknown topic). */
  endOffset(topic: string, partition?: number): Promise<number>;

  /** How many partitions the topic has, creating it if needed. */
  partitionCount(topic: string): Promise<number>;

  /**
   * Creates the topic with `layout` if it does not exist yet, and resolves with its partition count.
   * An existing topic keeps its layout; a log with one partition per topic ignores the layout.
   */
  createTopic(topic: string, layout: TopicLayout): Promise<number>;

  /** All topics that hold at least one record. */
  topics(): Promise<string[]>;

  /**
   * Resolves as soon as any record is appended after this call, or after `timeoutMs`, whichever
   * comes first. Lets readers sleep instead of polling. A log that cannot tell (appends made by other
   * processes) resolves after a short poll interval instead.
   */
  waitForAppend(timeoutMs: number): Promise<void>;

  /**
   * Resolves when the log can take writes now, or rejects (STORAGE_UNAVAILABLE) naming why not, within
   * `timeoutMs`. Readiness probes call it, so it must be cheap.
   */
  reachable(timeoutMs: number): Promise<void>;

  /**
   * Consumes `topic` as a member of consumer group `group` until `options.signal` aborts. A new group
   * starts at the beginning of each partition; afterwards at the group's committed offsets.
   */
  consume<T>(group: string, topic: string, member: GroupMember<T>, options: ConsumeOptions): Promise<void>;

  close(): Promise<void>;
}
