// The durable, ordered log that every accepted event and every control-plane command is written to.
// Embedded: LMDB. Production: Kafka. A topic here has one partition per adapter-defined unit; the
// embedded log has exactly one partition per topic, so an offset identifies a record within a topic.

export interface LogRecord<T = unknown> {
  offset: number;
  value: T;
}

export interface AppendAck {
  /** Offset of the first appended record; the rest follow without gaps. */
  baseOffset: number;
  count: number;
}

export interface EventLog {
  /**
   * Appends the values to the end of the topic as one atomic unit, creating the topic if needed.
   * Resolves only once the records are durable; rejects with a GatewayError otherwise.
   */
  append(topic: string, values: readonly unknown[]): Promise<AppendAck>;

  /** Reads up to `maxRecords` records starting at `fromOffset`, in offset order. */
  read<T = unknown>(topic: string, fromOffset: number, maxRecords: number): Promise<LogRecord<T>[]>;

  /** The offset the next appended record will get (0 for an empty or unknown topic). */
  endOffset(topic: string): Promise<number>;

  /** All topics that hold at least one record. */
  topics(): Promise<string[]>;

  /**
   * Resolves as soon as any record is appended after this call, or after `timeoutMs`, whichever
   * comes first. Lets readers sleep instead of polling.
   */
  waitForAppend(timeoutMs: number): Promise<void>;

  close(): Promise<void>;
}
