// The composition root: configuration ▶ adapters ▶ services ▶ processor ▶ app. Nothing else wires
// things together.

import 'reflect-metadata';
import { openAdapters } from './adapters';
import { systemClock } from './adapters/system-clock';
import { buildApp, type AppUrls } from './app';
import type { Config } from './config/config';
import { buildTributarySchema } from './graphql/schema';
import { createLogger, type Logger } from './observability/logger';
import { cachedProbe } from './observability/cached-probe';
import { createMetrics } from './observability/metrics';
import type { Clock } from './ports/clock';
import { Aggregates } from './services/aggregates';
import { ControlPlane } from './services/control-plane';
import { EventSchemas } from './services/event-schemas';
import { Ingest } from './services/ingest';
import { Lineage } from './services/lineage';
import { Quarantine } from './services/quarantine';
import { SchemaRegistry } from './services/schema-registry';
import { JwtVerifier } from './services/jwt-verifier';
import { FaultPlan } from './adapters/faults/fault-plan';
import { FaultInjector, withFaults } from './adapters/faults/faulty-ports';
import { Faults } from './services/faults';
import { RefusalAudit } from './services/refusal-audit';
import { Security } from './services/security';
import { StreamsAndViews } from './services/streams-and-views';
import { StreamProcessor } from './stream/processor';

/** How long a stopping gateway waits for queued lineage writes to land. */
const LINEAGE_FLUSH_MS = 5_000;
/** /readyz asks the event log at most this often, and gives it this long to answer. */
const READINESS_CACHE_MS = 1_000;
const READINESS_TIMEOUT_MS = 2_000;

export interface Tributary {
  urls: AppUrls;
  logger: Logger;
  /** The admin API key made on the first start that requires keys: to be shown once, then never again. */
  bootstrapKey: string | undefined;
  stop(): Promise<void>;
}

export async function startTributary(config: Config, options: { logger?: Logger; clock?: Clock } = {}): Promise<Tributary> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const opened = await openAdapters(config, logger);
  // With fault injection on, every port goes through the fault wrappers (src/adapters/faults/).
  const faultPlan = config.faultInjection ? new FaultPlan() : undefined;
  const adapters = faultPlan ? withFaults(opened, new FaultInjector(faultPlan, clock)) : opened;
  if (faultPlan) logger.warn('fault injection is ON (TRIBUTARY_FAULT_INJECTION): admins can make this gateway fail on purpose; never run production like this');
  const following = new AbortController();
  try {
    const metrics = createMetrics({ liveSubscribers: () => adapters.live.subscriberCount() });
    const migrations = await adapters.aggregates.migrate();
    if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'aggregate store migrated');

    const controlPlane = new ControlPlane(adapters.eventLog);
    const lineage = new Lineage(adapters.lineage, logger);
    controlPlane.onApplied((outcome) => lineage.follow(outcome, (name) => controlPlane.stream(name)));
    await controlPlane.start();
    const followed = controlPlane.follow(following.signal, (error) => logger.warn({ err: error }, 'cannot read control-plane commands; trying again'));

    const catalog = new StreamsAndViews(controlPlane, adapters.eventLog, clock, config.defaultWatermarkDelayMs);
    const refusals = new RefusalAudit(controlPlane, logger.child({ component: 'security' }), {
      flushMs: config.auditRefusalsFlushMs,
      onRefusal: (refusal) => metrics.accessRefusals.inc({ result: refusal.result }),
    });
    const security = new Security(controlPlane, clock, { required: config.auth === 'required', rateLimits: config.rateLimits, jwt: await JwtVerifier.fromSettings(config), refusals });
    const bootstrapKey = config.auth === 'required' ? await security.bootstrapAdminKey(config.bootstrapAdminKey || undefined) : undefined;
    const schemas = new SchemaRegistry(controlPlane, clock, (stream, fields) => lineage.viewsReading(stream, fields));
    const quarantine = new Quarantine(adapters.eventLog);
    const eventSchemas = new EventSchemas(controlPlane, schemas);
    const processor = new StreamProcessor({
      log: adapters.eventLog,
      checkpoints: adapters.checkpoints,
      aggregates: adapters.aggregates,
      live: adapters.live,
      controlPlane,
      clock,
      logger: logger.child({ component: 'processor' }),
      metrics,
      batchSize: config.processorBatchSize,
      schemas: eventSchemas,
      quarantine,
      guardStreams: config.eventLog === 'kafka',
      dedupMaxKeys: config.dedupMaxKeys,
    });
    const ingest = new Ingest(adapters.eventLog, catalog, eventSchemas, quarantine, lineage, clock, metrics, config, (stream) => processor.backlog(stream));
    const aggregates = new Aggregates(adapters.aggregates, adapters.live, catalog, processor);
    processor.start();

    const eventLogReachable = cachedProbe(READINESS_CACHE_MS, () =>
      adapters.eventLog.reachable(READINESS_TIMEOUT_MS).then(
        () => 'ok',
        (error: unknown) => `unreachable: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
    const app = buildApp({
      config,
      schema: await buildTributarySchema(),
      services: { catalog, ingest, quarantine, lineage, aggregates, schemas, security, faults: new Faults(faultPlan, clock, logger.child({ component: 'faults' })) },
      logger,
      metrics,
      readiness: async () => {
        const processing = processor.ready();
        const eventLog = await eventLogReachable();
        return { ready: processing && eventLog === 'ok', checks: { controlPlane: 'ok', eventLog, processor: processing ? 'ok' : 'restoring checkpoints' } };
      },
    });
    const urls = await app.start();
    logger.info({ ...urls, dataDir: config.dataDir }, 'tributary started');

    let stopping: Promise<void> | undefined;
    return {
      urls,
      logger,
      bootstrapKey,
      stop: () =>
        (stopping ??= (async () => {
          await app.stop();
          await refusals.close();
          await processor.stop();
          following.abort();
          await followed;
          await lineage.close(LINEAGE_FLUSH_MS);
          await adapters.close();
          logger.info('tributary stopped');
        })()),
    };
  } catch (error) {
    following.abort();
    await adapters.close().catch(() => undefined);
    throw error;
  }
}
