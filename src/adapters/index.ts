// The one place that picks adapters for the ports. The embedded default keeps everything under the
// data directory: LMDB for the log, checkpoints and lineage; chDB for aggregates. The log may instead
// be a Kafka cluster (TRIBUTARY_EVENT_LOG=kafka; checkpoints and live updates then go through Kafka
// too, so instances can share work), aggregates a ClickHouse server (TRIBUTARY_AGGREGATES=clickhouse),
// lineage a Neo4j server (TRIBUTARY_LINEAGE=neo4j).

import { ENV_NAMES, type Config } from '../config/config';
import { readSettingFile } from '../config/setting-files';
import type { Logger } from '../observability/logger';
import type { AggregateStore } from '../ports/aggregate-store';
import type { CheckpointStore } from '../ports/checkpoint-store';
import type { EventLog } from '../ports/event-log';
import type { LineageStore } from '../ports/lineage-store';
import type { LiveUpdates } from '../ports/live-updates';
import { ClickHouseAggregateStore } from './clickhouse/clickhouse-aggregate-store';
import { openClickHouseServer, type ClickHouseServerOptions } from './clickhouse/http-executor';
import type { SqlExecutor } from './clickhouse/sql-executor';
import { ChdbExecutor } from './embedded/chdb-executor';
import { InProcessLiveUpdates } from './embedded/in-process-live-updates';
import { LmdbCheckpointStore } from './embedded/lmdb-checkpoint-store';
import { LmdbEventLog } from './embedded/lmdb-event-log';
import { LmdbLineageStore } from './embedded/lmdb-lineage-store';
import { openLmdbRoot, type LmdbRoot } from './embedded/lmdb-root';
import { KafkaCheckpointStore } from './kafka/kafka-checkpoint-store';
import { KafkaConnection, type KafkaSettings } from './kafka/kafka-connection';
import { KafkaEventLog } from './kafka/kafka-event-log';
import { KafkaLiveUpdates } from './kafka/kafka-live-updates';
import { Neo4jLineageStore, type Neo4jOptions } from './neo4j/neo4j-lineage-store';

export interface Adapters {
  eventLog: EventLog;
  checkpoints: CheckpointStore;
  aggregates: AggregateStore;
  lineage: LineageStore;
  live: LiveUpdates;
  close(): Promise<void>;
}

type AdapterConfig = Pick<
  Config,
  | 'dataDir'
  | 'eventLog'
  | 'kafkaBrokers'
  | 'kafkaClientId'
  | 'kafkaTopicPrefix'
  | 'kafkaPartitions'
  | 'kafkaReplicationFactor'
  | 'kafkaSsl'
  | 'kafkaSslCaFile'
  | 'kafkaSslCertFile'
  | 'kafkaSslKeyFile'
  | 'kafkaSaslMechanism'
  | 'kafkaSaslUsername'
  | 'kafkaSaslPassword'
  | 'kafkaSessionTimeoutMs'
  | 'aggregates'
  | 'clickhouseUrl'
  | 'clickhouseUser'
  | 'clickhousePassword'
  | 'clickhouseDatabase'
  | 'clickhouseTlsCaFile'
  | 'clickhouseTlsCertFile'
  | 'clickhouseTlsKeyFile'
  | 'lineage'
  | 'neo4jUrl'
  | 'neo4jUser'
  | 'neo4jPassword'
  | 'neo4jDatabase'
  | 'neo4jTlsCaFile'
  | 'neo4jTlsCertFile'
  | 'neo4jTlsKeyFile'
>;

async function openLineageStore(config: AdapterConfig, root: LmdbRoot): Promise<LineageStore> {
  if (config.lineage === 'lmdb') return new LmdbLineageStore(root);
  const tls = neo4jTls(config);
  try {
    return await Neo4jLineageStore.open({
      url: config.neo4jUrl,
      user: config.neo4jUser,
      password: config.neo4jPassword,
      database: config.neo4jDatabase || undefined,
      tls,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const settings = tls ? 'TRIBUTARY_NEO4J_URL, _USER, _PASSWORD and the TRIBUTARY_NEO4J_TLS_* files' : 'TRIBUTARY_NEO4J_URL, TRIBUTARY_NEO4J_USER and TRIBUTARY_NEO4J_PASSWORD';
    throw new Error(`${reason} (check ${settings})`, { cause: error });
  }
}

async function openSqlExecutor(config: AdapterConfig): Promise<SqlExecutor> {
  if (config.aggregates === 'chdb') return ChdbExecutor.open(config.dataDir);
  const tls = clickHouseTls(config);
  try {
    return await openClickHouseServer({
      url: config.clickhouseUrl,
      username: config.clickhouseUser,
      password: config.clickhousePassword,
      database: config.clickhouseDatabase,
      tls,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const settings = tls ? 'TRIBUTARY_CLICKHOUSE_URL, _USER, _PASSWORD and the TRIBUTARY_CLICKHOUSE_TLS_* files' : 'TRIBUTARY_CLICKHOUSE_URL, TRIBUTARY_CLICKHOUSE_USER and TRIBUTARY_CLICKHOUSE_PASSWORD';
    throw new Error(`${reason} (check ${settings})`, { cause: error });
  }
}

function clickHouseTls(config: AdapterConfig): ClickHouseServerOptions['tls'] {
  if (config.clickhouseTlsCaFile === '') return undefined;
  const ca = readSettingFile(config.clickhouseTlsCaFile, ENV_NAMES.clickhouseTlsCaFile);
  if (config.clickhouseTlsCertFile === '') return { ca };
  return { ca, cert: readSettingFile(config.clickhouseTlsCertFile, ENV_NAMES.clickhouseTlsCertFile), key: readSettingFile(config.clickhouseTlsKeyFile, ENV_NAMES.clickhouseTlsKeyFile) };
}

/** The driver reads the files itself; reading them here first makes an unreadable one fail start-up, naming its setting. */
function neo4jTls(config: AdapterConfig): Neo4jOptions['tls'] {
  if (config.neo4jTlsCaFile === '' && config.neo4jTlsCertFile === '') return undefined;
  const files = (['neo4jTlsCaFile', 'neo4jTlsCertFile', 'neo4jTlsKeyFile'] as const).filter((setting) => config[setting] !== '');
  for (const setting of files) readSettingFile(config[setting], ENV_NAMES[setting]);
  return {
    ...(config.neo4jTlsCaFile ? { caFile: config.neo4jTlsCaFile } : {}),
    ...(config.neo4jTlsCertFile ? { certFile: config.neo4jTlsCertFile, keyFile: config.neo4jTlsKeyFile } : {}),
  };
}

type LogAdapters = Pick<Adapters, 'eventLog' | 'checkpoints' | 'live'>;

async function openLog(config: AdapterConfig, root: LmdbRoot, opened: { close(): Promise<void> }[], logger: Logger): Promise<LogAdapters> {
  if (config.eventLog === 'lmdb') {
    return {
      eventLog: track(opened, new LmdbEventLog(root)),
      checkpoints: track(opened, new LmdbCheckpointStore(root)),
      live: track(opened, new InProcessLiveUpdates()),
    };
  }
  const settings: KafkaSettings = {
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    topicPrefix: config.kafkaTopicPrefix,
    partitions: config.kafkaPartitions,
    replicationFactor: config.kafkaReplicationFactor,
    ssl: config.kafkaSsl,
    sslCaFile: config.kafkaSslCaFile,
    sslCertFile: config.kafkaSslCertFile,
    sslKeyFile: config.kafkaSslKeyFile,
    saslMechanism: config.kafkaSaslMechanism,
    saslUsername: config.kafkaSaslUsername,
    saslPassword: config.kafkaSaslPassword,
    sessionTimeoutMs: config.kafkaSessionTimeoutMs,
  };
  let connection: KafkaConnection;
  try {
    connection = track(opened, await KafkaConnection.open(settings, logger.child({ component: 'kafka' })));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason} (check TRIBUTARY_KAFKA_BROKERS and the TRIBUTARY_KAFKA_SSL_* / TRIBUTARY_KAFKA_SASL_* settings)`, { cause: error });
  }
  // Closed in reverse: the live and checkpoint followers and the log's readers before the connection.
  const eventLog = track(opened, new KafkaEventLog(connection));
  const checkpoints = track(opened, await KafkaCheckpointStore.open(connection));
  const live = track(opened, await KafkaLiveUpdates.open(connection));
  return { eventLog, checkpoints, live };
}

export async function openAdapters(config: AdapterConfig, logger: Logger): Promise<Adapters> {
  const root = openLmdbRoot(config.dataDir);
  const opened: { close(): Promise<void> }[] = [];
  try {
    const { eventLog, checkpoints, live } = await openLog(config, root, opened, logger);
    const lineage = track(opened, await openLineageStore(config, root));
    const aggregates = track(opened, new ClickHouseAggregateStore(await openSqlExecutor(config)));
    logger.debug({ dataDir: config.dataDir, eventLog: config.eventLog, aggregates: config.aggregates, lineage: config.lineage }, 'adapters open');
    return { eventLog, checkpoints, aggregates, lineage, live, close: () => closeAll([...opened, root]) };
  } catch (error) {
    await closeAll([...opened, root]);
    throw error;
  }
}

function track<T extends { close(): Promise<void> }>(opened: { close(): Promise<void> }[], adapter: T): T {
  opened.push(adapter);
  return adapter;
}

/** Closes in reverse order of opening; every close is attempted even when one fails. */
async function closeAll(resources: { close(): Promise<void> }[]): Promise<void> {
  const failures: unknown[] = [];
  for (const resource of [...resources].reverse()) {
    await resource.close().catch((error: unknown) => failures.push(error));
  }
  if (failures.length > 0) throw failures[0];
}
