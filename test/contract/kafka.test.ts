// The EventLog, CheckpointStore and LiveUpdates contracts on a real Kafka cluster, whenever
// KAFKA_BROKERS is set (host:port, comma-separated; Kafka 2.4 or later). Each run uses its own topic
// prefix and deletes its topics afterwards.

import { randomBytes } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { KafkaCheckpointStore } from '../../src/adapters/kafka/kafka-checkpoint-store';
import { KafkaConnection, type KafkaSettings } from '../../src/adapters/kafka/kafka-connection';
import { KafkaEventLog } from '../../src/adapters/kafka/kafka-event-log';
import { KafkaLiveUpdates } from '../../src/adapters/kafka/kafka-live-updates';
import { createLogger } from '../../src/observability/logger';
import { describeCheckpointStoreContract } from './checkpoint-store.contract';
import { describeEventLogContract } from './event-log.contract';
import { describeLiveUpdatesContract } from './live-updates.contract';

const brokers = process.env.KAFKA_BROKERS;
if (!brokers) process.stdout.write('SKIPPED: Kafka event-log, checkpoint-store and live-updates contract suites (set KAFKA_BROKERS to run)\n');

const settings: KafkaSettings = {
  brokers: (brokers ?? '').split(',').map((broker) => broker.trim()),
  clientId: 'tributary-contract',
  topicPrefix: `tributary-test-${randomBytes(4).toString('hex')}.`,
  partitions: 3,
  replicationFactor: -1,
  ssl: false,
  sslCaFile: '',
  sslCertFile: '',
  sslKeyFile: '',
  saslMechanism: '',
  saslUsername: '',
  saslPassword: '',
};

const logger = createLogger(process.env.TRIBUTARY_TEST_LOG_LEVEL ?? 'silent');
const connections = new Set<KafkaConnection>();

async function connect(): Promise<KafkaConnection> {
  const connection = await KafkaConnection.open(settings, logger);
  connections.add(connection);
  return connection;
}

async function disconnect(connection: KafkaConnection): Promise<void> {
  connections.delete(connection);
  await connection.close();
}

/** An adapter on its own connection; reopening closes both and opens fresh ones on the same cluster. */
function kafkaFixture<A extends { close(): Promise<void> }>(build: (connection: KafkaConnection) => Promise<A>) {
  return async () => {
    let connection = await connect();
    let adapter = await build(connection);
    const closeCurrent = async (): Promise<void> => {
      await adapter.close();
      await disconnect(connection);
    };
    return {
      adapter,
      reopen: async (): Promise<A> => {
        await closeCurrent();
        connection = await connect();
        adapter = await build(connection);
        return adapter;
      },
      cleanup: closeCurrent,
    };
  };
}

describe.skipIf(!brokers)('Kafka', () => {
  afterAll(async () => {
    const admin = await connect();
    try {
      const topics = (await admin.admin.listTopics()).filter((topic) => topic.startsWith(settings.topicPrefix));
      if (topics.length > 0) await admin.admin.deleteTopics({ topics });
    } finally {
      await disconnect(admin);
      await Promise.allSettled([...connections].map((connection) => connection.close()));
    }
  }, 60_000);

  describeEventLogContract('Kafka', async () => {
    const { adapter, reopen, cleanup } = await kafkaFixture(async (connection) => new KafkaEventLog(connection))();
    return { log: adapter, reopen, cleanup };
  });

  describeCheckpointStoreContract('Kafka', async () => {
    const { adapter, reopen, cleanup } = await kafkaFixture((connection) => KafkaCheckpointStore.open(connection))();
    return { store: adapter, reopen, cleanup };
  });

  describeLiveUpdatesContract('Kafka', async () => {
    const connection = await connect();
    const live = await KafkaLiveUpdates.open(connection);
    return { live, settle: () => live.settle() };
  });
});
