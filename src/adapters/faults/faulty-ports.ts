// Wrappers that put a FaultPlan's faults into the real adapters: each call to a wrapped port asks the
// plan whether a fault hits it, and if so delays it, fails it, writes half of it, or corrupts the
// values it carries. With no fault active a call costs one map lookup. Used only when fault
// injection is switched on (TRIBUTARY_FAULT_INJECTION); drills build on them.

import type { AggregateStore } from '../../ports/aggregate-store';
import type { CheckpointStore } from '../../ports/checkpoint-store';
import type { Clock } from '../../ports/clock';
import type { EventLog, GroupMember, LogBatch, LogRecord } from '../../ports/event-log';
import type { LineageStore } from '../../ports/lineage-store';
import type { LiveUpdates } from '../../ports/live-updates';
import { topicKind } from '../../domain/topics';
import { injectedError, type Fault, type FaultKind, type FaultPlan, type FaultPort } from './fault-plan';

export interface FaultInjectorOptions {
  /** Uniform in [0, 1); Math.random unless a test supplies its own. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a corrupted value becomes: no envelope, not the JSON anyone wrote. */
export function corrupted(fault: Fault): string {
  return `\u0000corrupted by ${fault.id}\u0000`;
}

export class FaultInjector {
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly plan: FaultPlan,
    private readonly clock: Clock,
    options: FaultInjectorOptions = {},
  ) {
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  hit(port: FaultPort, operation: string, spared?: readonly FaultKind[]): Fault | undefined {
    return this.plan.hit(port, operation, this.clock.now(), this.random, spared);
  }

  /** Runs an async operation under whatever fault hits it. */
  async run<T>(port: FaultPort, operation: string, how: FaultedCall<T>): Promise<T> {
    const fault = this.hit(port, operation, how.bookkeeping ? DATA_ONLY : undefined);
    if (!fault) return how.call();
    switch (fault.kind) {
      case 'LATENCY':
        await this.sleep(fault.latencyMs);
        return how.call();
      case 'PARTIAL_WRITE':
        await how.partial?.();
        throw injectedError(fault, port, operation);
      case 'CORRUPT':
        if (how.corruptInput) return how.corruptInput(fault);
        return how.corruptOutput ? how.corruptOutput(await how.call(), fault) : how.call();
      default:
        throw injectedError(fault, port, operation);
    }
  }
}

/** Kinds of fault that only streams' event topics suffer (see FaultKind). */
const DATA_ONLY: readonly FaultKind[] = ['PARTIAL_WRITE', 'CORRUPT'];

/** One call, and what each kind of fault makes of it where it applies. */
export interface FaultedCall<T> {
  call: () => Promise<T>;
  /** The call touches one of Tributary's own topics, which only outages and latency may hit. */
  bookkeeping?: boolean;
  /** Writes the first half of what `call` writes. */
  partial?: () => Promise<unknown>;
  /** Makes the call with corrupted values instead. */
  corruptInput?: (fault: Fault) => Promise<T>;
  /** Corrupts what the call returned. */
  corruptOutput?: (result: T, fault: Fault) => T;
}

const firstHalf = <T>(items: readonly T[]): T[] => items.slice(0, Math.ceil(items.length / 2));

export function faultyEventLog(log: EventLog, faults: FaultInjector): EventLog {
  const port = 'eventLog';
  const corruptRecords = <T>(records: LogRecord<T>[], fault: Fault): LogRecord<T>[] => records.map((record) => ({ ...record, value: corrupted(fault) as T }));
  return {
    append: (topic, values, options) =>
      faults.run(port, 'append', {
        bookkeeping: topicKind(topic) !== 'events',
        call: () => log.append(topic, values, options),
        partial: () =>
          log.append(topic, firstHalf(values), {
            ...options,
            ...(options?.keys ? { keys: firstHalf(options.keys) } : {}),
            ...(options?.partitions ? { partitions: firstHalf(options.partitions) } : {}),
          }),
        corruptInput: (fault) => log.append(topic, values.map(() => corrupted(fault)), options),
      }),
    read: (topic, from, max, partition) =>
      faults.run(port, 'read', { bookkeeping: topicKind(topic) !== 'events', call: () => log.read(topic, from, max, partition), corruptOutput: corruptRecords }),
    endOffset: (topic, partition) => faults.run(port, 'endOffset', { call: () => log.endOffset(topic, partition) }),
    partitionCount: (topic) => faults.run(port, 'partitionCount', { call: () => log.partitionCount(topic) }),
    createTopic: (topic, layout) => faults.run(port, 'createTopic', { call: () => log.createTopic(topic, layout) }),
    topics: () => faults.run(port, 'topics', { call: () => log.topics() }),
    waitForAppend: (timeoutMs) => log.waitForAppend(timeoutMs),
    reachable: (timeoutMs) => faults.run(port, 'reachable', { call: () => log.reachable(timeoutMs) }),
    consume: <T>(group: string, topic: string, member: GroupMember<T>, options: Parameters<EventLog['consume']>[3]) => {
      // Faults hit each batch on its way to the member, as a failing or slow broker would.
      const faulty: GroupMember<T> = {
        assigned: (partitions) => member.assigned(partitions),
        handle: (batch: LogBatch<T>) =>
          faults.run(port, 'consume', {
            bookkeeping: topicKind(topic) !== 'events',
            call: () => member.handle(batch),
            corruptInput: (fault) => member.handle({ ...batch, records: corruptRecords(batch.records, fault) }),
          }),
      };
      return log.consume(group, topic, faulty, options);
    },
    close: () => log.close(),
  };
}

export function faultyAggregateStore(store: AggregateStore, faults: FaultInjector): AggregateStore {
  const port = 'aggregates';
  return {
    migrate: () => faults.run(port, 'migrate', { call: () => store.migrate() }),
    upsert: (rows) => faults.run(port, 'upsert', { call: () => store.upsert(rows), partial: () => store.upsert(firstHalf(rows)) }),
    query: (query) => faults.run(port, 'query', { call: () => store.query(query) }),
    recordLate: (events) => faults.run(port, 'recordLate', { call: () => store.recordLate(events), partial: () => store.recordLate(firstHalf(events)) }),
    lateEvents: (query) => faults.run(port, 'lateEvents', { call: () => store.lateEvents(query) }),
    close: () => store.close(),
  };
}

export function faultyCheckpointStore(store: CheckpointStore, faults: FaultInjector): CheckpointStore {
  const port = 'checkpoints';
  return {
    load: (jobId) => faults.run(port, 'load', { call: () => store.load(jobId) }),
    save: (jobId, checkpoint) => faults.run(port, 'save', { call: () => store.save(jobId, checkpoint) }),
    close: () => store.close(),
  };
}

export function faultyLineageStore(store: LineageStore, faults: FaultInjector): LineageStore {
  const port = 'lineage';
  return {
    upsert: (nodes, edges) => faults.run(port, 'upsert', { call: () => store.upsert(nodes, edges), partial: () => store.upsert(firstHalf(nodes), []) }),
    node: (id) => faults.run(port, 'node', { call: () => store.node(id) }),
    traverse: (start, direction, depth) => faults.run(port, 'traverse', { call: () => store.traverse(start, direction, depth) }),
    close: () => store.close(),
  };
}

/** Live updates are synchronous: an ERROR or OUTAGE throws at once, LATENCY defers the publish. */
export function faultyLiveUpdates(live: LiveUpdates, faults: FaultInjector): LiveUpdates {
  const port = 'live';
  return {
    publish: (rows) => {
      const fault = faults.hit(port, 'publish');
      if (!fault) return live.publish(rows);
      if (fault.kind === 'LATENCY') {
        setTimeout(() => live.publish(rows), fault.latencyMs).unref();
        return;
      }
      throw injectedError(fault, port, 'publish');
    },
    subscribe: (view) => {
      const fault = faults.hit(port, 'subscribe');
      if (fault && fault.kind !== 'LATENCY') throw injectedError(fault, port, 'subscribe');
      return live.subscribe(view);
    },
    subscriberCount: () => live.subscriberCount(),
    close: () => live.close(),
  };
}

/** The same adapters with every port wrapped; closing still closes the real ones. */
export function withFaults<A extends { eventLog: EventLog; checkpoints: CheckpointStore; aggregates: AggregateStore; lineage: LineageStore; live: LiveUpdates }>(adapters: A, faults: FaultInjector): A {
  return {
    ...adapters,
    eventLog: faultyEventLog(adapters.eventLog, faults),
    checkpoints: faultyCheckpointStore(adapters.checkpoints, faults),
    aggregates: faultyAggregateStore(adapters.aggregates, faults),
    lineage: faultyLineageStore(adapters.lineage, faults),
    live: faultyLiveUpdates(adapters.live, faults),
  };
}
