// The AggregateStore contract on a real ClickHouse server over HTTP: the same SQL and migrations as
// chDB, on Debian's clickhouse-server (18.16 in CI), started privately for this file.

import { describe, expect, it } from 'vitest';
import { ClickHouseAggregateStore } from '../../src/adapters/clickhouse/clickhouse-aggregate-store';
import { HttpClickHouseExecutor } from '../../src/adapters/clickhouse/http-executor';
import { clickHouseServer, clickHouseServerInstalled } from '../helpers/clickhouse-server';
import { describeAggregateStoreContract } from './aggregate-store.contract';

const installed = clickHouseServerInstalled();
if (!installed) process.stdout.write('SKIPPED: ClickHouse server contract suite (install Debian clickhouse-server)\n');

describe.skipIf(!installed)('ClickHouse server', () => {
  // 18.16's VALUES parser may round a double by one ULP; current servers are exact but are held to
  // the same tolerance here.
  describeAggregateStoreContract(
    'ClickHouse server (HTTP)',
    async ({ migrationsDir }) => {
      const server = await clickHouseServer();
      return new ClickHouseAggregateStore(new HttpClickHouseExecutor({ url: server.url }), { migrationsDir });
    },
    { exactFloats: false },
  );

  it('turns a statement the server refuses into a non-retriable error, and an unreachable server into a retriable one', async () => {
    const server = await clickHouseServer();
    const executor = new HttpClickHouseExecutor({ url: server.url });
    await expect(executor.queryRows('SELEC 1')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', retriable: false });
    await executor.close();
    const unreachable = new HttpClickHouseExecutor({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 });
    await expect(unreachable.queryRows('SELECT 1')).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE', retriable: true });
    await unreachable.close();
  });

  it('reports the server version it ran against', async () => {
    const server = await clickHouseServer();
    process.stdout.write(`ClickHouse server contract suite ran against ClickHouse ${server.version}\n`);
    expect(server.version).toMatch(/^\d+\.\d+/);
  });
});
