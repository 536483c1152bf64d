// `tributary start` and `tributary migrate`: run the gateway until a signal, or migrate and exit.

import { openAdapters } from '../adapters';
import type { Config } from '../config/config';
import { startTributary } from '../main';
import { createLogger } from '../observability/logger';

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
