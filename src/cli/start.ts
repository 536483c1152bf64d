// `tributary start` and `tributary migrate`: run the gateway until a signal, or migrate and exit.

import { openAdapters } from '../adapters';
import type { Config } from '../config/config';
import { startTributary } from '../main';
import { createLogger, type Logger } from '../observability/logger';

/** How long a stopped gateway waits for the event loop to drain before it exits regardless. */
const EXIT_GRACE_MS = 2_000;

export async function runStart(config: Config): Promise<void> {
  const tributary = await startTributary(config);
  process.stdout.write(
    [
      '',
      `  Tributary is running (data in ${config.dataDir})`,
      `  GraphQL     ${tributary.urls.graphql}`,
      `  WebSocket   ${tributary.urls.websocket}  (graphql-ws subscriptions)`,
      `  Dashboard   ${tributary.urls.dashboard}`,
      `  Stores      event log ${config.eventLog}, aggregates ${config.aggregates}, lineage ${config.lineage}`,
      `  Metrics     ${tributary.urls.dashboard}metrics`,
      ...(tributary.bootstrapKey
        ? ['', `  Admin API key (shown once; keep it): ${tributary.bootstrapKey}`, '  Send it as "Authorization: Bearer <key>"; make keys for others with createApiKey.']
        : []),
      '',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      tributary.logger.info({ signal }, 'shutting down');
      process.off('SIGINT', shutdown).off('SIGTERM', shutdown);
      tributary.stop().then(resolve, (error: unknown) => {
        tributary.logger.error({ err: error }, 'unclean shutdown');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', shutdown).on('SIGTERM', shutdown);
  });
  exitOnceStopped(tributary.logger);
}

/**
 * Everything Tributary opened is closed by now, but a client library may still hold the event loop
 * (a reconnect timer, a socket it is retrying on): a stopped gateway exits anyway, naming what was left.
 */
function exitOnceStopped(logger: Logger): void {
  setTimeout(() => {
    logger.warn({ handles: process.getActiveResourcesInfo() }, 'handles still open after a clean stop; exiting anyway');
    process.exit();
  }, EXIT_GRACE_MS).unref();
}

export async function runMigrate(config: Config): Promise<void> {
  const adapters = await openAdapters(config, createLogger(config.logLevel));
  try {
    const report = await adapters.aggregates.migrate();
    process.stdout.write(`applied: ${report.applied.join(', ') || 'none'}\nalready applied: ${report.alreadyApplied.join(', ') || 'none'}\n`);
  } finally {
    await adapters.close();
  }
}
