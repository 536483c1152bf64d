// One connection to a Kafka cluster, shared by the Kafka event log, checkpoint store and live-update
// fan-out: the kafkajs client with its TLS and SASL settings, an admin client that creates topics
// with the layout their kind calls for, and the one producer every write goes through.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Kafka, logLevel as KafkaLogLevel, type Admin, type Consumer, type ConsumerConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { topicKind } from '../../domain/topics';
import type { TopicLayout } from '../../ports/event-log';
import { retry } from '../../errors/retry';
import { GatewayError, storageUnavailable } from '../../errors/gateway-error';
import type { Logger } from '../../observability/logger';
import { SerialProducer } from './serial-producer';

export interface KafkaSettings {
  brokers: readonly string[];
  clientId: string;
  /** Put in front of every topic and group name. */
  topicPrefix: string;
  /** Partitions of event and repartition topics. */
  partitions: number;
  /** -1 for the broker's default. */
  replicationFactor: number;
  ssl: boolean;
  sslCaFile: string;
  sslCertFile: string;
  sslKeyFile: string;
  saslMechanism: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername: string;
  saslPassword: string;
  /** How long a consumer group waits for a member that stopped heartbeating before rebalancing. */
  sessionTimeoutMs: number;
}

interface KafkaTopicLayout {
  partitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

/** Internal topics of the Kafka deployment that are not named in domain/topics. */
export const CHECKPOINT_TOPIC = '_checkpoints';
export const LIVE_TOPIC = '_live';

/** Large enough for a checkpoint of many open windows; brokers accept a larger per-topic limit. */
const CHECKPOINT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
const LIVE_RETENTION_MS = 60 * 60 * 1000;
const CONNECT_TIMEOUT_MS = 5_000;
/** Start-up gives up after about four seconds of refused connections. */
const STARTUP_RETRIES = 3;
/** Once running, kafkajs retries for about a minute before an operation fails to its caller. */
const RUNTIME_RETRIES = 8;
/** Further tries of an admin call that met metadata still spreading through the cluster (about 2 s in all). */
const METADATA_RETRIES = 4;

export class KafkaConnection {
  /** Unique per process: names the groups this instance reads through on its own. */
  readonly instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  /** Topics this instance created or described: their partition counts. */
  private readonly known = new Map<string, Promise<number>>();
  /** Topics found on the cluster by `exists`. */
  private readonly seen = new Set<string>();

  private constructor(
    readonly kafka: Kafka,
    readonly admin: Admin,
    readonly producer: SerialProducer,
    readonly settings: KafkaSettings,
    readonly logger: Logger,
  ) {}

  /** Connects the admin client and the producer; fails fast, naming the brokers, when neither can. */
  static async open(settings: KafkaSettings, logger: Logger): Promise<KafkaConnection> {
    const client = (retries: number) =>
      new Kafka({
        clientId: settings.clientId,
        brokers: [...settings.brokers],
        ssl: tlsOptions(settings),
        sasl: saslOptions(settings),
        connectionTimeout: CONNECT_TIMEOUT_MS,
        retry: { initialRetryTime: 250, retries },
        logLevel: KafkaLogLevel.WARN,
        logCreator: () => (entry) => logKafka(logger, entry),
      });
    // A first, impatient look: a wrong or unreachable cluster fails start-up within seconds.
    const probe = client(STARTUP_RETRIES).admin();
    try {
      await probe.connect();
      await probe.describeCluster();
    } catch (cause) {
      throw storageUnavailable(`cannot reach Kafka at ${settings.brokers.join(', ')}`, cause);
    } finally {
      await probe.disconnect().catch(() => undefined);
    }
    const kafka = client(RUNTIME_RETRIES);
    const admin = kafka.admin();
    try {
      await admin.connect();
    } catch (cause) {
      await admin.disconnect().catch(() => undefined);
      throw storageUnavailable(`cannot reach Kafka at ${settings.brokers.join(', ')}`, cause);
    }
    const producer = new SerialProducer(kafka, logger);
    try {
      await producer.connect();
    } catch (cause) {
      await admin.disconnect().catch(() => undefined);
      throw storageUnavailable(`cannot start the Kafka producer for ${settings.brokers.join(', ')}`, cause);
    }
    return new KafkaConnection(kafka, admin, producer, settings, logger);
  }

  /** The Kafka name of a Tributary topic or group. */
  name(topicOrGroup: string): string {
    return `${this.settings.topicPrefix}${topicOrGroup}`;
  }

  /**
   * Creates the topic with its kind's layout if it does not exist (an event topic's partitions and
   * replication factor can be chosen per stream); resolves with its partition count.
   */
  ensureTopic(topic: string, chosen: TopicLayout = {}): Promise<number> {
    let known = this.known.get(topic);
    if (!known) {
      known = this.createIfMissing(topic, chosen);
      this.known.set(topic, known);
      known.catch(() => this.known.delete(topic));
    }
    return known;
  }

  /** True when the topic exists on the cluster (without creating it). */
  async exists(topic: string): Promise<boolean> {
    if (this.known.has(topic) || this.seen.has(topic)) return true;
    try {
      const found = (await this.admin.listTopics()).includes(this.name(topic));
      // Topics are never deleted under a running gateway: once seen, no need to ask again.
      if (found) this.seen.add(topic);
      return found;
    } catch (cause) {
      throw storageUnavailable('cannot list Kafka topics', cause);
    }
  }

  /** The offset the partition's next record will get (0 for an unknown topic). */
  async endOffset(topic: string, partition: number): Promise<number> {
    if (!(await this.exists(topic))) return 0;
    const offsets = await metadataRetry(async () => {
      try {
        return await this.admin.fetchTopicOffsets(this.name(topic));
      } catch (cause) {
        throw storageUnavailable(`cannot read the end offset of ${this.name(topic)}[${partition}]`, cause);
      }
    });
    const found = offsets.find((entry) => entry.partition === partition);
    if (!found) throw new GatewayError('BAD_USER_INPUT', `topic "${topic}" has no partition ${partition}`, { path: 'partition' });
    return Number(found.high);
  }

  consumer(config: ConsumerConfig): Consumer {
    return this.kafka.consumer({ ...config, groupId: this.name(config.groupId), allowAutoTopicCreation: false });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.producer.close(), this.admin.disconnect()]);
  }

  private async createIfMissing(topic: string, chosen: TopicLayout): Promise<number> {
    const layout = this.layout(topic, chosen);
    const name = this.name(topic);
    return metadataRetry(async () => {
      try {
        await this.admin.createTopics({
          topics: [{ topic: name, numPartitions: layout.partitions, replicationFactor: layout.replicationFactor, configEntries: layout.configEntries }],
          waitForLeaders: true,
        });
        const metadata = await this.admin.fetchTopicMetadata({ topics: [name] });
        return metadata.topics[0].partitions.length;
      } catch (cause) {
        throw storageUnavailable(`cannot create or describe Kafka topic ${name}`, cause);
      }
    });
  }

  private layout(topic: string, chosen: TopicLayout): KafkaTopicLayout {
    const replicationFactor = this.settings.replicationFactor;
    switch (topic === CHECKPOINT_TOPIC ? 'checkpoints' : topic === LIVE_TOPIC ? 'live' : topicKind(topic)) {
      case 'events':
        return {
          partitions: chosen.partitions ?? this.settings.partitions,
          replicationFactor: chosen.replicationFactor ?? replicationFactor,
          configEntries: [],
        };
      case 'repartition':
        return { partitions: this.settings.partitions, replicationFactor, configEntries: [] };
      case 'meta':
        // Commands are keyed by a unique id, so compaction keeps every one, forever.
        return { partitions: 1, replicationFactor, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] };
      case 'checkpoints':
        return {
          partitions: 1,
          replicationFactor,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'max.message.bytes', value: String(CHECKPOINT_MAX_MESSAGE_BYTES) },
          ],
        };
      case 'live':
        return { partitions: 1, replicationFactor, configEntries: [{ name: 'retention.ms', value: String(LIVE_RETENTION_MS) }] };
      default:
        return { partitions: 1, replicationFactor, configEntries: [] };
    }
  }
}

/**
 * Metadata that is still spreading through the cluster (a topic just created, a broker just started
 * or moving a partition's leadership) fails admin calls for a moment with "does not host this
 * topic-partition" or an empty answer that kafkajs trips over. Such a call is tried again for about
 * two seconds before its error reaches the caller.
 */
function metadataRetry<T>(operation: () => Promise<T>): Promise<T> {
  return retry(operation, { retries: METADATA_RETRIES, initialDelayMs: 100, maxDelayMs: 1_000, isRetriable: metadataSpreading });
}

/** Only these: a broker that is away already gets kafkajs' own retries, and should not wait longer. */
const METADATA_SPREADING = /does not host this topic-partition|no leader for this topic-partition|not the leader for that topic-partition|Cannot destructure property/;

function metadataSpreading(error: unknown): boolean {
  for (let cause = error; cause instanceof Error; cause = cause.cause) if (METADATA_SPREADING.test(cause.message)) return true;
  return false;
}

function tlsOptions(settings: KafkaSettings): ConnectionOptions | boolean | undefined {
  if (!settings.ssl) return undefined;
  const read = (file: string) => {
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (cause) {
      throw new GatewayError('BAD_USER_INPUT', `cannot read the Kafka TLS file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  };
  if (!settings.sslCaFile && !settings.sslCertFile) return true;
  return { ca: read(settings.sslCaFile), cert: read(settings.sslCertFile), key: read(settings.sslKeyFile) };
}

function saslOptions(settings: KafkaSettings): SASLOptions | undefined {
  const { saslMechanism: mechanism, saslUsername: username, saslPassword: password } = settings;
  if (mechanism === '') return undefined;
  return { mechanism, username, password } as SASLOptions;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

function logKafka(logger: Logger, { level, log }: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
  logger[LEVELS[level] ?? 'info']({ kafka: fields }, message);
}
