// Every setting of Tributary in one schema, read once from flags, then environment, then defaults,
// and frozen. Nothing else reads process.env.

import path from 'node:path';
import { z } from 'zod';
import { parseRateLimits } from '../domain/security/rate-limits';
import { shippedPath } from './package-root';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const brokerList = z
  .string()
  .transform((value) => value.split(',').map((broker) => broker.trim()).filter((broker) => broker.length > 0))
  .refine((brokers) => brokers.every((broker) => /^[^\s:/]+:\d{1,5}$/.test(broker)), 'must be a comma-separated list of host:port');

/** Which adapter each port uses, by profile, unless set one by one. */
export const PROFILES = {
  embedded: { eventLog: 'lmdb', aggregates: 'chdb', lineage: 'lmdb' },
  production: { eventLog: 'kafka', aggregates: 'clickhouse', lineage: 'neo4j' },
} as const;

export const configSchema = z.object({
  dataDir: z.string().min(1).default('./data'),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(4000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Picks the default adapter of every port at once (see PROFILES); each may still be set alone. */
  profile: z.enum(['embedded', 'production']).default('embedded'),
  /** Event log: LMDB in the data directory (embedded default) or a Kafka cluster. */
  eventLog: z.enum(['lmdb', 'kafka']).default('lmdb'),
  /** Bootstrap brokers, host:port, comma-separated. */
  kafkaBrokers: brokerList.default(''),
  kafkaClientId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'must be letters, digits, ".", "_" or "-"').default('tributary'),
  /** Put in front of every topic and consumer-group name, so several deployments can share a cluster. */
  kafkaTopicPrefix: z.string().regex(/^[A-Za-z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"').default('tributary.'),
  /** Partitions of new event and repartition topics. */
  kafkaPartitions: positiveInt.default(6),
  /** Replication factor of new topics; -1 takes the broker's default.replication.factor. */
  kafkaReplicationFactor: z.coerce.number().int().refine((n) => n === -1 || n >= 1, 'must be -1 (broker default) or at least 1').default(-1),
  kafkaSsl: flag.default(false),
  /** PEM files; a CA to trust, and a client certificate and key for mutual TLS. */
  kafkaSslCaFile: z.string().default(''),
  kafkaSslCertFile: z.string().default(''),
  kafkaSslKeyFile: z.string().default(''),
  kafkaSaslMechanism: z.enum(['', 'plain', 'scram-sha-256', 'scram-sha-512']).default(''),
  kafkaSaslUsername: z.string().default(''),
  kafkaSaslPassword: z.string().default(''),
  /**
   * How long the group waits for a silent member (a killed instance) before moving its partitions to
   * the others. The broker refuses values outside its group.min/max.session.timeout.ms (6 s to 30 min
   * by default).
   */
  kafkaSessionTimeoutMs: z.coerce.number().int().min(1_000).max(3_600_000).default(10_000),
  /** Aggregate store: chDB in-process (embedded default) or a ClickHouse server over HTTP. */
  aggregates: z.enum(['chdb', 'clickhouse']).default('chdb'),
  clickhouseUrl: z.string().url().default('http://127.0.0.1:8123'),
  clickhouseUser: z.string().default('default'),
  clickhousePassword: z.string().default(''),
  /** Created if missing. */
  /** TLS to the ClickHouse server (with an https:// URL): a private CA, and a client certificate and key for mutual TLS (PEM). */
  clickhouseTlsCaFile: z.string().default(''),
  clickhouseTlsCertFile: z.string().default(''),
  clickhouseTlsKeyFile: z.string().default(''),
  clickhouseDatabase: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('tributary'),
  /** Lineage store: LMDB in the data directory (embedded default) or a Neo4j server over Bolt. */
  lineage: z.enum(['lmdb', 'neo4j']).default('lmdb'),
  neo4jUrl: z.string().default('bolt://127.0.0.1:7687'),
  neo4jUser: z.string().default('neo4j'),
  neo4jPassword: z.string().default(''),
  /** Empty for the server's default database (Neo4j 3.5 has only one). */
  neo4jDatabase: z.string().default(''),
  /** TLS to Neo4j with a private CA, and a client certificate and key for mutual TLS (PEM; driver 5.27+ and a server that asks for them). */
  neo4jTlsCaFile: z.string().default(''),
  neo4jTlsCertFile: z.string().default(''),
  neo4jTlsKeyFile: z.string().default(''),
  /** Largest accepted event, as UTF-8 JSON bytes. */
  maxEventBytes: positiveInt.default(64 * 1024),
  /**
   * How far past the gateway's clock an event time may be (Kafka's log.message.timestamp.after.max.ms,
   * 1 hour by default): one event stamped years ahead would otherwise push the watermark past every
   * window and make all later events late.
   */
  maxEventTimeAheadMs: z.coerce.number().int().min(0).default(3_600_000),
  /** Deepest nesting of fields a GraphQL operation may have. */
  maxQueryDepth: positiveInt.default(20),
  /** Most aliases in one GraphQL operation. */
  maxQueryAliases: positiveInt.default(50),
  /** Most field selections in one GraphQL operation, fragments expanded. */
  maxQueryFields: positiveInt.default(2_000),
  /** Ingest refuses events (retriable PROCESSING_BEHIND) while a view of the stream has more than this many not yet stored; 0: never. */
  maxProcessingLag: z.coerce.number().int().min(0).default(1_000_000),
  /** Most dedup keys (event ids, idempotency keys) one view partition remembers; past it the oldest are forgotten early. */
  dedupMaxKeys: positiveInt.default(200_000),
  /** Lets admins inject faults into this gateway's ports (injectFault); for drills and tests, never production. */
  faultInjection: flag.default(false),
  /** Most operations one graphql-ws connection may run at once. */
  maxSubscriptionsPerConnection: positiveInt.default(100),
  /** Most operations one principal may run at once over all its graphql-ws connections. */
  maxSubscriptionsPerPrincipal: positiveInt.default(1_000),
  /** Answer introspection queries (schema discovery by tools such as codegen and IDEs). */
  introspection: flag.default(true),
  /** Serve Apollo's landing page at GET /graphql in a browser. */
  landingPage: flag.default(true),
  /** required: every request and subscription needs an API key. off: local development only, everyone is an anonymous admin. */
  auth: z.enum(['required', 'off']).default('required'),
  /** How often refused requests, tallied in memory, are written to the audit trail. */
  auditRefusalsFlushMs: positiveInt.default(10_000),
  /** An admin API key the deployment supplies (trb_…), instead of one made and printed at first start. */
  bootstrapAdminKey: z.string().default(''),
  /** JWT bearer tokens: an HS256 secret, or RS/ES keys from a JWKS URL or file (one of the three). */
  jwtSecret: z.string().default(''),
  jwtJwksUrl: z.string().default(''),
  jwtJwksFile: z.string().default(''),
  /** Required `iss` and `aud` of accepted JWTs (empty: not checked). */
  jwtIssuer: z.string().default(''),
  jwtAudience: z.string().default(''),
  /** The claim holding the token's roles (an array, or a space-separated string). */
  jwtRolesClaim: z.string().default('roles'),
  /** Requests per second and burst per role, "producer=1000:2000,…"; roles left out (admin) are not limited. */
  rateLimits: z
    .string()
    .default('producer=1000:2000,consumer=200:400,steward=50:100,auditor=50:100')
    .transform((text, ctx) => {
      try {
        return parseRateLimits(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** PEM certificate (chain) and key: serve HTTPS and WSS instead of HTTP and WS. */
  tlsCertFile: z.string().default(''),
  tlsKeyFile: z.string().default(''),
  /** PEM CA bundle: require clients to present a certificate it signed (mutual TLS). */
  tlsCaFile: z.string().default(''),
  /** Refuse ingest into a stream whose subject "<stream>-value" has no schema. */
  requireSchemas: flag.default(false),
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
  /** Path prefix of the Confluent-compatible schema registry REST API. */
  schemaRegistryPrefix: z
    .string()
    .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'must be a path such as /schema-registry (no trailing slash)')
    .refine((prefix) => !['/graphql', '/healthz', '/readyz', '/metrics', '/operations'].includes(prefix), 'must not be one of the gateway\'s own paths')
    .default('/schema-registry'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Environment variable for each setting. */
export const ENV_NAMES: Record<keyof Config, string> = {
  dataDir: 'TRIBUTARY_DATA_DIR',
  host: 'TRIBUTARY_HOST',
  port: 'TRIBUTARY_PORT',
  logLevel: 'TRIBUTARY_LOG_LEVEL',
  profile: 'TRIBUTARY_PROFILE',
  eventLog: 'TRIBUTARY_EVENT_LOG',
  kafkaBrokers: 'TRIBUTARY_KAFKA_BROKERS',
  kafkaClientId: 'TRIBUTARY_KAFKA_CLIENT_ID',
  kafkaTopicPrefix: 'TRIBUTARY_KAFKA_TOPIC_PREFIX',
  kafkaPartitions: 'TRIBUTARY_KAFKA_PARTITIONS',
  kafkaReplicationFactor: 'TRIBUTARY_KAFKA_REPLICATION_FACTOR',
  kafkaSsl: 'TRIBUTARY_KAFKA_SSL',
  kafkaSslCaFile: 'TRIBUTARY_KAFKA_SSL_CA_FILE',
  kafkaSslCertFile: 'TRIBUTARY_KAFKA_SSL_CERT_FILE',
  kafkaSslKeyFile: 'TRIBUTARY_KAFKA_SSL_KEY_FILE',
  kafkaSaslMechanism: 'TRIBUTARY_KAFKA_SASL_MECHANISM',
  kafkaSaslUsername: 'TRIBUTARY_KAFKA_SASL_USERNAME',
  kafkaSaslPassword: 'TRIBUTARY_KAFKA_SASL_PASSWORD',
  kafkaSessionTimeoutMs: 'TRIBUTARY_KAFKA_SESSION_TIMEOUT_MS',
  aggregates: 'TRIBUTARY_AGGREGATES',
  clickhouseUrl: 'TRIBUTARY_CLICKHOUSE_URL',
  clickhouseUser: 'TRIBUTARY_CLICKHOUSE_USER',
  clickhousePassword: 'TRIBUTARY_CLICKHOUSE_PASSWORD',
  clickhouseDatabase: 'TRIBUTARY_CLICKHOUSE_DATABASE',
  clickhouseTlsCaFile: 'TRIBUTARY_CLICKHOUSE_TLS_CA_FILE',
  clickhouseTlsCertFile: 'TRIBUTARY_CLICKHOUSE_TLS_CERT_FILE',
  clickhouseTlsKeyFile: 'TRIBUTARY_CLICKHOUSE_TLS_KEY_FILE',
  lineage: 'TRIBUTARY_LINEAGE',
  neo4jUrl: 'TRIBUTARY_NEO4J_URL',
  neo4jUser: 'TRIBUTARY_NEO4J_USER',
  neo4jPassword: 'TRIBUTARY_NEO4J_PASSWORD',
  neo4jDatabase: 'TRIBUTARY_NEO4J_DATABASE',
  neo4jTlsCaFile: 'TRIBUTARY_NEO4J_TLS_CA_FILE',
  neo4jTlsCertFile: 'TRIBUTARY_NEO4J_TLS_CERT_FILE',
  neo4jTlsKeyFile: 'TRIBUTARY_NEO4J_TLS_KEY_FILE',
  maxEventBytes: 'TRIBUTARY_MAX_EVENT_BYTES',
  maxBatchEvents: 'TRIBUTARY_MAX_BATCH_EVENTS',
  maxEventTimeAheadMs: 'TRIBUTARY_MAX_EVENT_TIME_AHEAD_MS',
  requireSchemas: 'TRIBUTARY_REQUIRE_SCHEMAS',
  auth: 'TRIBUTARY_AUTH',
  rateLimits: 'TRIBUTARY_RATE_LIMITS',
  bootstrapAdminKey: 'TRIBUTARY_BOOTSTRAP_ADMIN_KEY',
  auditRefusalsFlushMs: 'TRIBUTARY_AUDIT_REFUSALS_FLUSH_MS',
  jwtSecret: 'TRIBUTARY_JWT_SECRET',
  jwtJwksUrl: 'TRIBUTARY_JWT_JWKS_URL',
  jwtJwksFile: 'TRIBUTARY_JWT_JWKS_FILE',
  jwtIssuer: 'TRIBUTARY_JWT_ISSUER',
  jwtAudience: 'TRIBUTARY_JWT_AUDIENCE',
  jwtRolesClaim: 'TRIBUTARY_JWT_ROLES_CLAIM',
  tlsCertFile: 'TRIBUTARY_TLS_CERT_FILE',
  tlsKeyFile: 'TRIBUTARY_TLS_KEY_FILE',
  tlsCaFile: 'TRIBUTARY_TLS_CA_FILE',
  maxQueryDepth: 'TRIBUTARY_MAX_QUERY_DEPTH',
  maxQueryAliases: 'TRIBUTARY_MAX_QUERY_ALIASES',
  maxQueryFields: 'TRIBUTARY_MAX_QUERY_FIELDS',
  introspection: 'TRIBUTARY_INTROSPECTION',
  maxSubscriptionsPerConnection: 'TRIBUTARY_MAX_SUBSCRIPTIONS_PER_CONNECTION',
  maxSubscriptionsPerPrincipal: 'TRIBUTARY_MAX_SUBSCRIPTIONS_PER_PRINCIPAL',
  landingPage: 'TRIBUTARY_LANDING_PAGE',
  maxRequestBytes: 'TRIBUTARY_MAX_REQUEST_BYTES',
  processorBatchSize: 'TRIBUTARY_PROCESSOR_BATCH_SIZE',
  dedupMaxKeys: 'TRIBUTARY_DEDUP_MAX_KEYS',
  maxProcessingLag: 'TRIBUTARY_MAX_PROCESSING_LAG',
  faultInjection: 'TRIBUTARY_FAULT_INJECTION',
  defaultWatermarkDelayMs: 'TRIBUTARY_DEFAULT_WATERMARK_DELAY_MS',
  webDir: 'TRIBUTARY_WEB_DIR',
  operationsDir: 'TRIBUTARY_OPERATIONS_DIR',
  schemaRegistryPrefix: 'TRIBUTARY_SCHEMA_REGISTRY_PREFIX',
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
  const profile = raw.profile === 'production' ? PROFILES.production : PROFILES.embedded;
  for (const [key, adapter] of Object.entries(profile)) {
    if (raw[key] === undefined) {
      raw[key] = adapter;
      if (origin.profile) origin[key] = `${origin.profile}=${String(raw.profile)}`;
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
  const config = parsed.data;
  const problems = crossChecks(config).map(([key, message]) => `${origin[key] ?? ENV_NAMES[key]}: ${message}`);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({ ...config, dataDir: path.resolve(config.dataDir) });
}

/** Rules that join several settings; each names the setting to fix. */
function crossChecks(config: z.infer<typeof configSchema>): [keyof Config, string][] {
  const problems: [keyof Config, string][] = [];
  if (config.eventLog === 'kafka' && config.kafkaBrokers.length === 0) {
    problems.push(['kafkaBrokers', 'is required when the event log is kafka (e.g. "localhost:9092")']);
  }
  if (config.kafkaSaslMechanism !== '' && (config.kafkaSaslUsername === '' || config.kafkaSaslPassword === '')) {
    problems.push(['kafkaSaslUsername', `and ${ENV_NAMES.kafkaSaslPassword} are required with SASL ${config.kafkaSaslMechanism}`]);
  }
  if ((config.kafkaSslCertFile === '') !== (config.kafkaSslKeyFile === '')) {
    problems.push(['kafkaSslCertFile', `and ${ENV_NAMES.kafkaSslKeyFile} must be set together (mutual TLS)`]);
  }
  if ([config.jwtSecret, config.jwtJwksUrl, config.jwtJwksFile].filter((v) => v !== '').length > 1) {
    problems.push(['jwtSecret', `, ${ENV_NAMES.jwtJwksUrl} and ${ENV_NAMES.jwtJwksFile}: set one of them, not several`]);
  }
  if (config.jwtSecret !== '' && Buffer.byteLength(config.jwtSecret) < 32) {
    problems.push(['jwtSecret', 'must be at least 32 bytes (an HS256 key shorter than its hash is weak)']);
  }
  if ((config.tlsCertFile === '') !== (config.tlsKeyFile === '')) {
    problems.push(['tlsCertFile', `and ${ENV_NAMES.tlsKeyFile} must be set together`]);
  }
  if ((config.clickhouseTlsCertFile === '') !== (config.clickhouseTlsKeyFile === '')) {
    problems.push(['clickhouseTlsCertFile', `and ${ENV_NAMES.clickhouseTlsKeyFile} must be set together (mutual TLS)`]);
  }
  if (config.clickhouseTlsCertFile !== '' && config.clickhouseTlsCaFile === '') {
    problems.push(['clickhouseTlsCaFile', `is required with ${ENV_NAMES.clickhouseTlsCertFile}: the CA that signed the server's certificate`]);
  }
  if (config.clickhouseTlsCaFile !== '' && !config.clickhouseUrl.startsWith('https://')) {
    problems.push(['clickhouseUrl', `must be an https:// URL when ${ENV_NAMES.clickhouseTlsCaFile} is set`]);
  }
  if ((config.neo4jTlsCertFile === '') !== (config.neo4jTlsKeyFile === '')) {
    problems.push(['neo4jTlsCertFile', `and ${ENV_NAMES.neo4jTlsKeyFile} must be set together (mutual TLS)`]);
  }
  if ((config.neo4jTlsCaFile !== '' || config.neo4jTlsCertFile !== '') && /^[a-z0-9]+\+s(sc)?:/i.test(config.neo4jUrl)) {
    problems.push(['neo4jUrl', `has a +s or +ssc scheme, which sets encryption itself; use bolt:// or neo4j:// with ${ENV_NAMES.neo4jTlsCaFile} / ${ENV_NAMES.neo4jTlsCertFile}`]);
  }
  if (config.tlsCaFile !== '' && config.tlsCertFile === '') {
    problems.push(['tlsCaFile', `needs ${ENV_NAMES.tlsCertFile} and ${ENV_NAMES.tlsKeyFile}: client certificates are only asked for over TLS`]);
  }
  return problems;
}
