// Reading window aggregates: stored rows for a time range, live updates as they happen, and how
// far each view's processing has got.

import { generationBase } from '../domain/definitions';
import { GatewayError } from '../errors/gateway-error';
import type { AggregateStore, LateEventRecord, WindowRowRecord } from '../ports/aggregate-store';
import type { LiveSubscription, LiveUpdates } from '../ports/live-updates';
import type { ViewProgress } from '../stream/processor';
import type { StreamsAndViews } from './streams-and-views';

export const DEFAULT_AGGREGATE_LIMIT = 1_000;
export const MAX_AGGREGATE_LIMIT = 100_000;

export interface ProgressSource {
  progress(view: string): ViewProgress | undefined;
}

export class Aggregates {
  constructor(
    private readonly store: AggregateStore,
    private readonly live: LiveUpdates,
    private readonly catalog: StreamsAndViews,
    private readonly processor: ProgressSource,
  ) {}

  async rows(view: string, range: { from?: Date | null; to?: Date | null; limit?: number | null }): Promise<WindowRowRecord[]> {
    const definition = this.catalog.requireView(view);
    const from = range.from?.getTime();
    const to = range.to?.getTime();
    if (from !== undefined && to !== undefined && from >= to) {
      throw new GatewayError('BAD_USER_INPUT', `from (${range.from!.toISOString()}) must be before to (${range.to!.toISOString()})`, { path: 'from' });
    }
    const limit = range.limit ?? DEFAULT_AGGREGATE_LIMIT;
    checkLimit(limit);
    return this.store.query({ view, from, to, limit, minRevision: generationBase(definition) });
  }

  /** The view's late side output: events too late for any window, newest first, with the total. */
  async lateEvents(view: string, limit: number): Promise<{ total: number; events: LateEventRecord[] }> {
    const definition = this.catalog.requireView(view);
    checkLimit(limit);
    return this.store.lateEvents({ view, generation: definition.generation ?? 0, limit });
  }

  /** Live rows of a view; refused at once for an unknown view. */
  subscribe(view: string): LiveSubscription {
    this.catalog.requireView(view);
    const live = this.live.subscribe(view);
    const catalog = this.catalog;
    return {
      close: () => live.close(),
      async *[Symbol.asyncIterator]() {
        for await (const row of live) {
          // A job still finishing an old generation (here or on another instance) is not the view's any more.
          const current = catalog.view(view);
          if (current && row.revision < generationBase(current)) continue;
          yield row;
        }
      },
    };
  }

  progress(view: string): ViewProgress | undefined {
    return this.processor.progress(view);
  }
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AGGREGATE_LIMIT) {
    throw new GatewayError('BAD_USER_INPUT', `limit must be an integer from 1 to ${MAX_AGGREGATE_LIMIT}; got ${limit}`, { path: 'limit' });
  }
}
