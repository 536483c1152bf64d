// The LineageStore contract on a real Neo4j server (3.5 through 5), whenever NEO4J_URL is set
// (NEO4J_USER / NEO4J_PASSWORD / NEO4J_DATABASE optional). Neo4j cannot be installed on CI machines.

import { describe } from 'vitest';
import { Neo4jLineageStore } from '../../src/adapters/neo4j/neo4j-lineage-store';
import type { LineageStore } from '../../src/ports/lineage-store';
import { describeLineageStoreContract } from './lineage-store.contract';

const url = process.env.NEO4J_URL;
if (!url) process.stdout.write('SKIPPED: Neo4j lineage-store contract suite (set NEO4J_URL to run)\n');

const open = () =>
  Neo4jLineageStore.open({
    url: url!,
    user: process.env.NEO4J_USER ?? 'neo4j',
    password: process.env.NEO4J_PASSWORD ?? '',
    database: process.env.NEO4J_DATABASE || undefined,
  });

describe.skipIf(!url)('Neo4j', () => {
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
