// The EventLog, CheckpointStore and LiveUpdates contracts on real Kafka brokers: once on each Kafka
// version below, each on a broker of its own that the test starts (test/helpers/kafka-broker.ts), or
// once on the cluster KAFKA_BROKERS names (host:port, comma-separated; Kafka 2.4 or later). Each run
// uses its own topic prefix and deletes its topics afterwards.

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { KafkaCheckpointStore } from '../../src/adapters/kafka/kafka-checkpoint-store';
import { KafkaConnection, type KafkaSettings } from '../../src/adapters/kafka/kafka-connection';
import { KafkaEventLog } from '../../src/adapters/kafka/kafka-event-log';
import { KafkaLiveUpdates } from '../../src/adapters/kafka/kafka-live-updates';
import { createLogger } from '../../src/observability/logger';
import { kafkaBroker, kafkaBrokerIsExternal, kafkaBrokerUnavailable, type KafkaBroker } from '../helpers/kafka-broker';
import { describeCheckpointStoreContract } from './checkpoint-store.contract';
import { describeEventLogContract } from './event-log.contract';
import { describeLiveUpdatesContract } from './live-updates.contract';

/** 3.9 is what docker/ pins; 4.x dropped the oldest protocol versions. Undefined: the external cluster. */
const KAFKA_VERSIONS = kafkaBrokerIsExternal() ? [undefined] : ['3.9.2', '4.1.1'];
const logger = createLogger(process.env.TRIBUTARY_TEST_LOG_LEVEL ?? 'silent');

for (const version of KAFKA_VERSIONS) {
  const name = version ? `Kafka ${version}` : 'Kafka (KAFKA_BROKERS)';
  const unavailable = kafkaBrokerUnavailable(version);
  if (unavailable) process.stdout.write(`SKIPPED: ${name} event-log, checkpoint-store and live-updates contract suites (${unavailable})\n`);

  describe.skipIf(unavailable !== undefined)(name, () => {
    let broker: KafkaBroker;
    const settings: KafkaSettings = {
      brokers: [],
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
      sessionTimeoutMs: 10_000,
    };
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

    beforeAll(async () => {
      broker = await kafkaBroker({ version });
      settings.brokers = broker.brokers.split(',').map((address) => address.trim());
    }, 180_000);

    afterAll(async () => {
      if (!broker) return;
      const admin = await connect();
      try {
        const topics = (await admin.admin.listTopics()).filter((topic) => topic.startsWith(settings.topicPrefix));
        if (topics.length > 0) await admin.admin.deleteTopics({ topics });
      } finally {
        await disconnect(admin);
        await Promise.allSettled([...connections].map((connection) => connection.close()));
      }
      // The next version's broker need not share the machine with this one.
      await broker.stop();
    }, 60_000);

    describeEventLogContract(name, async () => {
      const { adapter, reopen, cleanup } = await kafkaFixture(async (connection) => new KafkaEventLog(connection))();
      return { log: adapter, reopen, cleanup };
    });

    describeCheckpointStoreContract(name, async () => {
      const { adapter, reopen, cleanup } = await kafkaFixture((connection) => KafkaCheckpointStore.open(connection))();
      return { store: adapter, reopen, cleanup };
    });

    describeLiveUpdatesContract(name, async () => {
      const connection = await connect();
      const live = await KafkaLiveUpdates.open(connection);
      return { live, settle: () => live.settle() };
    });
  });
}
