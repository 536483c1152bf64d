// Aggregate write throughput: window rows written through the AggregateStore adapter (what the stream
// processor calls), next to a baseline measured in the same run: the same rows sent as one plain
// `INSERT ... FORMAT JSONEachRow` (over HTTP to a ClickHouse server, or as one chDB statement).
// Both sides start from the same WindowRowRecords, so serialising them is part of both timings.
//
//   npm run bench -- --aggregates clickhouse   (TRIBUTARY_CLICKHOUSE_URL, _USER, _PASSWORD)
//   npm run bench -- --aggregates chdb

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ClickHouseAggregateStore } from '../src/adapters/clickhouse/clickhouse-aggregate-store';
import { openClickHouseServer } from '../src/adapters/clickhouse/http-executor';
import type { SqlExecutor } from '../src/adapters/clickhouse/sql-executor';
import { ChdbExecutor } from '../src/adapters/embedded/chdb-executor';
import { loadConfig } from '../src/config/config';
import type { WindowRowRecord } from '../src/ports/aggregate-store';
import { Seeded } from './events';
import { elapsedMs, formatNumber, measurement, printRows, type BenchResult } from './report';

export type AggregateStoreKind = 'chdb' | 'clickhouse';

const ROWS = 200_000;
/** Rows per upsert in the processor-like run: what one drained batch of a busy view holds. */
const PROCESSOR_BATCH = 2_000;
const ROUNDS = 3;
const COUNTRIES = ['DE', 'FR', 'US', 'BR', 'IN', 'JP', 'NG', 'GB', 'ES', 'CA'];
const DEVICES = ['ios', 'android', 'web-desktop', 'web-mobile'];
const MEASURES = ['orders', 'revenue', 'buyers', 'p95_amount', 'max_latency'];
const T0 = Date.UTC(2026, 10, 1);

/** Where the rows go, and how the baseline sends them there. */
interface Target {
  description: string;
  executor: SqlExecutor;
  /** One plain INSERT ... FORMAT JSONEachRow of `body` (newline-separated JSON objects). */
  insertJsonEachRow(body: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** Every row of a view of one minute windows over country × device, with five measures. */
function windowRows(view: string, count: number): WindowRowRecord[] {
  const random = new Seeded(7);
  const keys = COUNTRIES.length * DEVICES.length;
  return Array.from({ length: count }, (_, i) => {
    const windowStart = T0 + Math.floor(i / keys) * 60_000;
    const values: Record<string, number | null> = {};
    for (const name of MEASURES) values[name] = random.below(1_000_000) / 100;
    return {
      view,
      windowStart,
      windowEnd: windowStart + 60_000,
      key: { country: COUNTRIES[i % COUNTRIES.length], device: DEVICES[Math.floor(i / COUNTRIES.length) % DEVICES.length] },
      values,
      eventCount: 1 + random.below(5_000),
      final: true,
      revision: 1,
      updatedAt: windowStart + 61_000,
    };
  });
}

/** The table's columns as JSONEachRow wants them: the baseline's whole serialisation. */
function jsonEachRow(rows: readonly WindowRowRecord[]): string {
  let body = '';
  for (const row of rows) {
    const names = Object.keys(row.values);
    body += `${JSON.stringify({
      view: row.view,
      window_start: row.windowStart,
      window_end: row.windowEnd,
      group_key: JSON.stringify(Object.entries(row.key)),
      key_json: JSON.stringify(row.key),
      measure_names: names,
      measure_values: names.map((name) => row.values[name] ?? Number.NaN),
      event_count: row.eventCount,
      is_final: row.final ? 1 : 0,
      revision: row.revision,
      updated_at: row.updatedAt,
    })}\n`;
  }
  return body;
}

async function clickHouseTarget(): Promise<Target> {
  const config = loadConfig({}, process.env);
  const database = `tributary_bench_${randomBytes(4).toString('hex')}`;
  const auth = { 'X-ClickHouse-User': config.clickhouseUser, 'X-ClickHouse-Key': config.clickhousePassword };
  const plain = (query: string, body = ''): Promise<string> => {
    const url = new URL(config.clickhouseUrl);
    url.searchParams.set('query', query);
    // A fresh connection per statement: a pooled one may have been closed by the server's
    // keep-alive timeout (3 s on older releases) while the adapter's run was being timed.
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const request = send(url, { method: 'POST', headers: { ...auth, 'Content-Length': Buffer.byteLength(body) }, agent: false }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () =>
          response.statusCode === 200 ? resolve(text) : reject(new Error(`ClickHouse answered ${response.statusCode} to ${query.slice(0, 80)}: ${text.slice(0, 300)}`)),
        );
        response.on('error', reject);
      });
      request.on('error', reject);
      request.end(body);
    });
  };
  let executor: SqlExecutor;
  try {
    executor = await openClickHouseServer({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, database });
  } catch (error) {
    throw new Error(
      `the aggregates benchmark on clickhouse needs a server: set TRIBUTARY_CLICKHOUSE_URL (and _USER, _PASSWORD). ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const version = (await plain('SELECT version()')).trim();
  return {
    description: `ClickHouse ${version} at ${config.clickhouseUrl}, database ${database}`,
    executor,
    insertJsonEachRow: async (body) => {
      await plain(`INSERT INTO ${database}.window_aggregates FORMAT JSONEachRow`, body);
    },
    cleanup: async () => {
      await executor.close();
      await plain(`DROP DATABASE IF EXISTS ${database}`);
    },
  };
}

async function chdbTarget(): Promise<Target> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tributary-bench-agg-'));
  const executor = ChdbExecutor.open(dataDir);
  return {
    description: `chDB in ${dataDir}`,
    executor,
    insertJsonEachRow: (body) => executor.command(`INSERT INTO window_aggregates FORMAT JSONEachRow\n${body}`),
    cleanup: async () => {
      await executor.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function rowCount(executor: SqlExecutor, view: string): Promise<number> {
  const [row] = await executor.queryRows<{ rows: string | number }>(`SELECT count() AS rows FROM window_aggregates WHERE view = '${view}'`);
  return Number(row.rows);
}

export async function runAggregatesBench(options: { store: AggregateStoreKind }): Promise<BenchResult> {
  const target = options.store === 'clickhouse' ? await clickHouseTarget() : await chdbTarget();
  const notes: string[] = [];
  try {
    console.log(`  ${target.description}; ${formatNumber(ROWS)} window rows per run, best of ${ROUNDS} rounds`);
    const store = new ClickHouseAggregateStore(target.executor);
    await store.migrate();
    // Warm both paths (connections, table metadata) before timing anything.
    const warm = windowRows('bench_warmup', 1_000);
    await store.upsert(warm);
    await target.insertJsonEachRow(jsonEachRow(warm));

    const best = { adapter: Infinity, batched: Infinity, baseline: Infinity };
    const views: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const adapterRows = windowRows(`bench_adapter_${round}`, ROWS);
      let started = process.hrtime.bigint();
      await store.upsert(adapterRows);
      best.adapter = Math.min(best.adapter, elapsedMs(started));

      const batchedRows = windowRows(`bench_batched_${round}`, ROWS);
      started = process.hrtime.bigint();
      for (let i = 0; i < batchedRows.length; i += PROCESSOR_BATCH) await store.upsert(batchedRows.slice(i, i + PROCESSOR_BATCH));
      best.batched = Math.min(best.batched, elapsedMs(started));

      const baselineRows = windowRows(`bench_baseline_${round}`, ROWS);
      started = process.hrtime.bigint();
      await target.insertJsonEachRow(jsonEachRow(baselineRows));
      best.baseline = Math.min(best.baseline, elapsedMs(started));
      views.push(`bench_adapter_${round}`, `bench_batched_${round}`, `bench_baseline_${round}`);
    }
    // Every run must have stored every row, or its speed means nothing.
    for (const view of views) {
      const stored = await rowCount(target.executor, view);
      if (stored !== ROWS) throw new Error(`${view} stored ${stored} of ${ROWS} rows`);
    }

    const perSecond = (ms: number) => (ROWS / ms) * 1000;
    const adapter = perSecond(best.adapter);
    const batched = perSecond(best.batched);
    const baseline = perSecond(best.baseline);
    printRows([
      ['adapter, one upsert of every row', `${formatNumber(adapter)} rows/s (${formatNumber(best.adapter)} ms)`],
      [`adapter, upserts of ${formatNumber(PROCESSOR_BATCH)} rows`, `${formatNumber(batched)} rows/s (${formatNumber(best.batched)} ms)`],
      ['baseline, one INSERT ... FORMAT JSONEachRow', `${formatNumber(baseline)} rows/s (${formatNumber(best.baseline)} ms)`],
      ['ratio adapter / baseline', formatNumber(adapter / baseline, 2)],
      ['ratio processor-sized upserts / baseline', formatNumber(batched / baseline, 2)],
      ['rows checked after the runs', `${views.length} × ${formatNumber(ROWS)}, all stored`],
    ]);
    return {
      name: `aggregates (${options.store})`,
      measurements: [
        measurement('adapter upsert', adapter, 'rows/s'),
        measurement(`adapter upserts of ${PROCESSOR_BATCH}`, batched, 'rows/s'),
        measurement('plain JSONEachRow INSERT', baseline, 'rows/s'),
        measurement('adapter / baseline', adapter / baseline, 'ratio', { kind: 'min', value: 0.7 }),
      ],
      notes,
    };
  } finally {
    await target.cleanup();
  }
}
