// Every setting of Tributary in one schema, read once from flags, then environment, then defaults,
// and frozen. Nothing else reads process.env.

import path from 'node:path';
import { z } from 'zod';
import { shippedPath } from './package-root';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(4000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Aggregate store: chDB in-process (embedded default) or a ClickHouse server over HTTP. */
  aggregates: z.enum(['chdb', 'clickhouse']).default('chdb'),
  clickhouseUrl: z.string().url().default('http://127.0.0.1:8123'),
  clickhouseUser: z.string().default('default'),
  clickhousePassword: z.string().default(''),
  /** Created if missing. */
  clickhouseDatabase: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('tributary'),
  /** Lineage store: LMDB in the data directory (embedded default) or a Neo4j server over Bolt. */
  lineage: z.enum(['lmdb', 'neo4j']).default('lmdb'),
  neo4jUrl: z.string().default('bolt://127.0.0.1:7687'),
  neo4jUser: z.string().default('neo4j'),
  neo4jPassword: z.string().default(''),
  /** Empty for the server's default database (Neo4j 3.5 has only one). */
  neo4jDatabase: z.string().default(''),
  /** Largest accepted event, as UTF-8 JSON bytes. */
  maxEventBytes: positiveInt.default(64 * 1024),
  /**
   * How far past the gateway's clock an event time may be (Kafka's log.message.timestamp.after.max.ms,
   * 1 hour by default): one event stamped years ahead would otherwise push the watermark past every
   * window and make all later events late.
   */
  maxEventTimeAheadMs: z.coerce.number().int().min(0).default(3_600_000),
  /** Most events one ingest call may carry. */
  maxBatchEvents: positiveInt.default(10_000),
  /** Largest accepted HTTP request body, in bytes. */
  maxRequestBytes: positiveInt.default(32 * 1024 * 1024),
  /** Most events the stream processor reads per topic before it writes aggregates and checkpoints. */
  processorBatchSize: positiveInt.default(50_000),
  /** Default watermark delay of new streams, in ms. */
  defaultWatermarkDelayMs: z.coerce.number().int().min(0).default(5_000),
  /** Where the dashboard's static files are; empty to serve none. */
  webDir: z.string().default(shippedPath('web') ?? ''),
  /** GraphQL documents served at /operations/ for the dashboard; empty to serve none. */
  operationsDir: z.string().default(shippedPath('schema', 'operations') ?? ''),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Environment variable for each setting. */
export const ENV_NAMES: Record<keyof Config, string> = {
  dataDir: 'TRIBUTARY_DATA_DIR',
  host: 'TRIBUTARY_HOST',
  port: 'TRIBUTARY_PORT',
  logLevel: 'TRIBUTARY_LOG_LEVEL',
  aggregates: 'TRIBUTARY_AGGREGATES',
  clickhouseUrl: 'TRIBUTARY_CLICKHOUSE_URL',
  clickhouseUser: 'TRIBUTARY_CLICKHOUSE_USER',
  clickhousePassword: 'TRIBUTARY_CLICKHOUSE_PASSWORD',
  clickhouseDatabase: 'TRIBUTARY_CLICKHOUSE_DATABASE',
  lineage: 'TRIBUTARY_LINEAGE',
  neo4jUrl: 'TRIBUTARY_NEO4J_URL',
  neo4jUser: 'TRIBUTARY_NEO4J_USER',
  neo4jPassword: 'TRIBUTARY_NEO4J_PASSWORD',
  neo4jDatabase: 'TRIBUTARY_NEO4J_DATABASE',
  maxEventBytes: 'TRIBUTARY_MAX_EVENT_BYTES',
  maxBatchEvents: 'TRIBUTARY_MAX_BATCH_EVENTS',
  maxEventTimeAheadMs: 'TRIBUTARY_MAX_EVENT_TIME_AHEAD_MS',
  maxRequestBytes: 'TRIBUTARY_MAX_REQUEST_BYTES',
  processorBatchSize: 'TRIBUTARY_PROCESSOR_BATCH_SIZE',
  defaultWatermarkDelayMs: 'TRIBUTARY_DEFAULT_WATERMARK_DELAY_MS',
  webDir: 'TRIBUTARY_WEB_DIR',
  operationsDir: 'TRIBUTARY_OPERATIONS_DIR',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the configuration. `flags` win over `env`, which wins over defaults; keys whose value is
 * undefined are ignored. Throws ConfigError naming each bad setting and where it came from.
 */
export function loadConfig(flags: Partial<Record<keyof Config, unknown>> = {}, env: NodeJS.ProcessEnv = {}): Config {
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const [key, envName] of Object.entries(ENV_NAMES)) {
    const flag = (flags as Record<string, unknown>)[key];
    if (flag !== undefined) {
      raw[key] = flag;
      origin[key] = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    } else if (env[envName] !== undefined && env[envName] !== '') {
      raw[key] = env[envName];
      origin[key] = envName;
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const key = String(issue.path[0]);
        return `${origin[key] ?? key}: ${issue.message} (got ${JSON.stringify(raw[key])})`;
      }),
    );
  }
  return Object.freeze({ ...parsed.data, dataDir: path.resolve(parsed.data.dataDir) });
}
