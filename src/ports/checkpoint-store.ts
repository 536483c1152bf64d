// Where a stream job keeps its consistent snapshot: the log offsets it has fully processed and the
// state of its open windows, saved together in one atomic write (Flink-style checkpoints).

export interface Checkpoint<S = unknown> {
  /** Next offset to read, per topic. */
  offsets: Record<string, number>;
  state: S;
  savedAt: number;
}

export interface CheckpointStore {
  load<S>(jobId: string): Promise<Checkpoint<S> | undefined>;
  /** Replaces the job's checkpoint atomically; resolves once durable. */
  save<S>(jobId: string, checkpoint: Checkpoint<S>): Promise<void>;
  close(): Promise<void>;
}
