// The LineageStore contract on a real Neo4j server: a Neo4j 5 that the test starts
// (test/helpers/neo4j-server.ts), or the server NEO4J_URL names (3.5 through 5; NEO4J_USER /
// NEO4J_PASSWORD / NEO4J_DATABASE optional).

import { beforeAll, describe } from 'vitest';
import { Neo4jLineageStore } from '../../src/adapters/neo4j/neo4j-lineage-store';
import type { LineageStore } from '../../src/ports/lineage-store';
import { neo4jServer, neo4jServerUnavailable, type Neo4jServer } from '../helpers/neo4j-server';
import { describeLineageStoreContract } from './lineage-store.contract';

const unavailable = neo4jServerUnavailable();
if (unavailable) process.stdout.write(`SKIPPED: Neo4j lineage-store contract suite (${unavailable})\n`);

describe.skipIf(unavailable !== undefined)('Neo4j', () => {
  let server: Neo4jServer;
  beforeAll(async () => {
    server = await neo4jServer();
  }, 180_000);

  const open = () => Neo4jLineageStore.open({ url: server.url, user: server.user, password: server.password, database: server.database });

  describeLineageStoreContract('Neo4j', async () => {
    let store: LineageStore = await open();
    return {
      store,
      reopen: async () => {
        await store.close();
        store = await open();
        return store;
      },
      cleanup: () => store.close(),
    };
  });
});
