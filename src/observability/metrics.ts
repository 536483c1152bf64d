// Prometheus metrics for one gateway instance. A registry per instance (no global default
// registry), so two instances in one process never mix their numbers.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricSources {
  /** Open live subscriptions, read at scrape time. */
  liveSubscribers: () => number;
}

export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tributary_process_' });
  const registers = [registry];
  return {
    registry,
    ingestEvents: new Counter({
      name: 'tributary_ingest_events_total',
      help: 'Events received by the ingest mutation, by stream and outcome (accepted or rejected).',
      labelNames: ['stream', 'outcome'] as const,
      registers,
    }),
    ingestRejections: new Counter({
      name: 'tributary_ingest_rejections_total',
      help: 'Events rejected at ingest, by stream and error code.',
      labelNames: ['stream', 'code'] as const,
      registers,
    }),
    processorInvalidEvents: new Counter({
      name: 'tributary_processor_invalid_events_total',
      help: 'Logged events a view skipped because they break the schema their envelope names, by view.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorQuarantined: new Counter({
      name: 'tributary_processor_quarantined_total',
      help: 'Records found in a stream\'s log that break its rules (no envelope, schema violation), quarantined by the stream guard, by stream and code.',
      labelNames: ['stream', 'code'] as const,
      registers,
    }),
    deprecatedSchemaUse: new Counter({
      name: 'tributary_schema_deprecated_events_total',
      help: 'Events accepted under a DEPRECATED schema version, by subject and version.',
      labelNames: ['subject', 'version'] as const,
      registers,
    }),
    accessRefusals: new Counter({
      name: 'tributary_access_refusals_total',
      help: 'Requests refused for a missing or invalid credential (UNAUTHENTICATED) or a right the principal lacks (FORBIDDEN).',
      labelNames: ['result'] as const,
      registers,
    }),
    ingestDuration: new Histogram({
      name: 'tributary_ingest_duration_seconds',
      help: 'Time from receiving an ingest batch to its durable acknowledgement.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    processorEvents: new Counter({
      name: 'tributary_processor_events_total',
      help: 'Events folded into window aggregates, by view.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorDuplicateEvents: new Counter({
      name: 'tributary_processor_duplicate_events_total',
      help: 'Events a view skipped as repeats of one it had folded (same event id or idempotency key within the stream\'s dedup horizon), by view.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorDedupEvictedEarly: new Counter({
      name: 'tributary_processor_dedup_evicted_total',
      help: 'Dedup keys a view forgot before their horizon because it held TRIBUTARY_DEDUP_MAX_KEYS per partition; a repeat of one would be counted again. By view.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorLateEvents: new Counter({
      name: 'tributary_processor_late_events_total',
      help: 'Events that arrived after the watermark closed their window, by view.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorLag: new Gauge({
      name: 'tributary_processor_lag_events',
      help: 'Events in the log that a view has not processed yet.',
      labelNames: ['view'] as const,
      registers,
    }),
    processorPartitions: new Gauge({
      name: 'tributary_processor_partitions',
      help: 'Partitions of a view\'s input this instance owns (its share of the consumer group).',
      labelNames: ['view'] as const,
      registers,
    }),
    aggregateWriteDuration: new Histogram({
      name: 'tributary_aggregate_write_duration_seconds',
      help: 'Time to store one batch of window rows in the aggregate store.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    aggregateRowsWritten: new Counter({
      name: 'tributary_aggregate_rows_written_total',
      help: 'Window rows written to the aggregate store, by view.',
      labelNames: ['view'] as const,
      registers,
    }),
    liveSubscribers: new Gauge({
      name: 'tributary_live_subscribers',
      help: 'Open viewUpdates subscriptions.',
      registers,
      collect() {
        this.set(sources.liveSubscribers());
      },
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
