// The behaviour every AggregateStore adapter must show, run by each adapter's test file. Tests use
// unique view names, so one database can serve the whole suite (chDB allows one per process).

import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { GatewayError } from '../../src/errors/gateway-error';
import type { AggregateStore, WindowRowRecord } from '../../src/ports/aggregate-store';
import { tempDir, uniqueName } from '../helpers/temp-dir';

export interface AggregateStoreFactoryOptions {
  /** Apply migrations from here instead of the package's migrations/clickhouse. */
  migrationsDir?: string;
}

/** Opens a store on the SAME database every call; the suite closes each store before the next. */
export type AggregateStoreFactory = (options: AggregateStoreFactoryOptions) => Promise<AggregateStore>;

export interface AggregateStoreCapabilities {
  /** Float64 values come back bit-for-bit (false on ClickHouse 18.16, whose VALUES parser may be 1 ULP off). */
  exactFloats?: boolean;
}

const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations/clickhouse');
const MINUTE = 60_000;

function row(view: string, overrides: Partial<WindowRowRecord> = {}): WindowRowRecord {
  return {
    view,
    windowStart: 1_700_000_000_000,
    windowEnd: 1_700_000_000_000 + MINUTE,
    key: { country: 'DE' },
    values: { count: 3, total: 12.5 },
    eventCount: 3,
    final: false,
    revision: 1,
    updatedAt: 1_700_000_030_000,
    ...overrides,
  };
}

export function describeAggregateStoreContract(
  name: string,
  factory: AggregateStoreFactory,
  capabilities: AggregateStoreCapabilities = {},
): void {
  describe(`AggregateStore contract: ${name}`, () => {
    let store: AggregateStore;

    beforeAll(async () => {
      store = await factory({});
      await store.migrate();
    });
    afterAll(() => store?.close());

    /** Runs `fn` on a store opened with `options`, then returns to the default store. */
    async function withStore<T>(options: AggregateStoreFactoryOptions, fn: (s: AggregateStore) => Promise<T>): Promise<T> {
      await store.close();
      const other = await factory(options);
      try {
        return await fn(other);
      } finally {
        await other.close();
        store = await factory({});
      }
    }

    function migrationsWithExtraFile(): { dir: string; file: string } {
      const dir = tempDir('tributary-migrations-');
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      const table = uniqueName('contract_probe');
      const file = `900_${table}.sql`;
      // Two statements, to exercise splitting at `;` + end of line.
      writeFileSync(
        path.join(dir, file),
        [
          '-- probe table for the contract suite; this comment ends in a semicolon and must not split;',
          `CREATE TABLE IF NOT EXISTS ${table} (x UInt8) ENGINE = MergeTree ORDER BY x;`,
          '',
          `INSERT INTO ${table} (x) VALUES (1);`,
          '',
        ].join('\n'),
      );
      return { dir, file };
    }

    it('applies a migration once; migrating again is a no-op', async () => {
      const { dir, file } = migrationsWithExtraFile();
      await withStore({ migrationsDir: dir }, async (s) => {
        const first = await s.migrate();
        expect(first.applied).toEqual([file]);
        expect(first.alreadyApplied).toContain('001_window_aggregates.sql');
        const second = await s.migrate();
        expect(second.applied).toEqual([]);
        expect(second.alreadyApplied).toEqual(['001_window_aggregates.sql', '002_late_events.sql', file]);
      });
    });

    it('refuses to run when an applied migration file changed, naming the file', async () => {
      const { dir, file } = migrationsWithExtraFile();
      await withStore({ migrationsDir: dir }, async (s) => {
        await s.migrate();
        appendFileSync(path.join(dir, file), '-- edited\n');
        const later = file.replace(/^900_/, '901_');
        writeFileSync(path.join(dir, later), 'SELECT 1;\n');
        const error = await s.migrate().catch((e: unknown) => e);
        expect(GatewayError.is(error, 'MIGRATION_CHECKSUM_MISMATCH')).toBe(true);
        expect((error as Error).message).toContain(file);
        // The check comes before anything runs: with the edit undone, the later file is still pending.
        writeFileSync(path.join(dir, file), readFileSync(path.join(dir, file), 'utf8').replace('-- edited\n', ''));
        expect((await s.migrate()).applied).toEqual([later]);
      });
    });

    it('returns upserted rows with every field intact', async () => {
      const view = uniqueName('upsert');
      const a = row(view, { key: { country: 'DE', device: 'ios' }, final: true, revision: 7 });
      const b = row(view, { key: { country: 'FR', device: 'web' }, values: { count: 1, total: -0.25 }, eventCount: 1 });
      await store.upsert([b, a]);
      await store.upsert([]);
      expect(await store.query({ view })).toEqual([a, b]);
    });

    it('lets a higher revision replace a lower one, and never the reverse', async () => {
      const view = uniqueName('revisions');
      await store.upsert([row(view, { revision: 1, values: { count: 1, total: 1 } })]);
      await store.upsert([row(view, { revision: 3, values: { count: 3, total: 3 }, final: true })]);
      await store.upsert([row(view, { revision: 2, values: { count: 2, total: 2 } })]);
      expect(await store.query({ view })).toEqual([row(view, { revision: 3, values: { count: 3, total: 3 }, final: true })]);
    });

    it('treats rewriting the same revision as harmless', async () => {
      const view = uniqueName('replay');
      const r = row(view, { revision: 4 });
      await store.upsert([r]);
      await store.upsert([r]);
      await store.upsert([r, r]);
      expect(await store.query({ view })).toEqual([r]);
    });

    it('returns one row with the latest values after many revisions in separate inserts', async () => {
      const view = uniqueName('many_parts');
      const revisions = Array.from({ length: 25 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      for (const revision of revisions) {
        await store.upsert([
          row(view, { revision, values: { count: revision, total: revision / 2 }, eventCount: revision }),
          row(view, { key: { country: 'US' }, revision: 1 }),
        ]);
      }
      expect(await store.query({ view })).toEqual([
        row(view, { revision: 25, values: { count: 25, total: 12.5 }, eventCount: 25 }),
        row(view, { key: { country: 'US' }, revision: 1 }),
      ]);
    });

    it('filters by from (inclusive) and to (exclusive), orders by window then key, and limits', async () => {
      const view = uniqueName('range');
      const start = 1_700_000_000_000;
      const rows = [0, 1, 2, 3].flatMap((i) =>
        ['b', 'a'].map((k) => row(view, { windowStart: start + i * MINUTE, windowEnd: start + (i + 1) * MINUTE, key: { k } })),
      );
      await store.upsert(rows);
      const at = (i: number, k: string) => row(view, { windowStart: start + i * MINUTE, windowEnd: start + (i + 1) * MINUTE, key: { k } });
      expect(await store.query({ view })).toEqual([at(0, 'a'), at(0, 'b'), at(1, 'a'), at(1, 'b'), at(2, 'a'), at(2, 'b'), at(3, 'a'), at(3, 'b')]);
      expect(await store.query({ view, from: start + MINUTE, to: start + 3 * MINUTE })).toEqual([at(1, 'a'), at(1, 'b'), at(2, 'a'), at(2, 'b')]);
      expect(await store.query({ view, from: start + MINUTE + 1 })).toHaveLength(4);
      expect(await store.query({ view, from: start, limit: 3 })).toEqual([at(0, 'a'), at(0, 'b'), at(1, 'a')]);
      expect(await store.query({ view, limit: 0 })).toEqual([]);
      expect(await store.query({ view, to: start })).toEqual([]);
    });

    it('round-trips unicode, quotes and backslashes in view names, keys and measure names', async () => {
      const view = uniqueName(`vue'"\\é😀`);
      const key = { "it's": 'a\\b\'c"d', emoji: '👩‍👩‍👧 中文', ctl: 'x\u0000y\n\tz', n: -1.5, flag: true, none: null };
      const values = { "sum of 'x'": 1, 'p99\\latency': 2.5, 'médiane': 3 };
      const r = row(view, { key, values });
      await store.upsert([r, row(view, { key: { ...key, n: 2 } })]);
      const [first] = await store.query({ view, limit: 1 });
      expect(first).toEqual(r);
      expect(Object.keys(first.key)).toEqual(Object.keys(key));
      expect(Object.keys(first.values)).toEqual(Object.keys(values));
    });

    it('round-trips null and non-finite measure values, and a view with no groupBy', async () => {
      const view = uniqueName('nulls');
      const r = row(view, { key: {}, values: { min: null, max: null, sum: Infinity, low: -Infinity, count: 0 }, eventCount: 1 });
      await store.upsert([r]);
      expect(await store.query({ view })).toEqual([r]);
    });

    it('round-trips float values', async () => {
      const view = uniqueName('floats');
      // g and h are values 18.16's VALUES parser rounds to a neighbouring double.
      const values = { a: 0.1 + 0.2, b: 1 / 3, c: 2 ** 53 - 1, d: 0.5, e: 1e-300, f: -123456.789e10, g: 9.08606216391322e-16, h: 8.455650001828659e154 };
      await store.upsert([row(view, { values })]);
      const [stored] = await store.query({ view });
      for (const [measure, value] of Object.entries(values)) {
        if (capabilities.exactFloats ?? true) expect(stored.values[measure], measure).toBe(value);
        else expect(Math.abs((stored.values[measure]! - value) / value), measure).toBeLessThan(1e-15);
      }
    });

    it('keeps views apart, even when one name is a prefix of another', async () => {
      const view = uniqueName('isolated');
      await store.upsert([row(view, { values: { count: 1, total: 1 } }), row(`${view}x`, { values: { count: 2, total: 2 } })]);
      expect(await store.query({ view })).toEqual([row(view, { values: { count: 1, total: 1 } })]);
      expect(await store.query({ view: `${view}x` })).toEqual([row(`${view}x`, { values: { count: 2, total: 2 } })]);
      expect(await store.query({ view: uniqueName('never_written') })).toEqual([]);
    });

    it('stores a batch of 1,000 rows in one upsert', async () => {
      const view = uniqueName('batch');
      const rows = Array.from({ length: 1000 }, (_, i) =>
        row(view, { windowStart: i * MINUTE, windowEnd: (i + 1) * MINUTE, key: { user: `u${i % 7}` }, values: { count: i, avg: i / 7 } }),
      );
      await store.upsert(rows);
      const stored = await store.query({ view });
      expect(stored).toHaveLength(1000);
      expect(stored[999]).toEqual(rows[999]);
    });

    it('rejects a malformed row, naming the field, and stores nothing from that batch', async () => {
      const view = uniqueName('invalid');
      const error = await store.upsert([row(view), row(view, { revision: -1 })]).catch((e: unknown) => e);
      expect(GatewayError.is(error, 'BAD_USER_INPUT')).toBe(true);
      expect((error as GatewayError).path).toBe('rows[1].revision');
      await expect(store.query({ view, limit: -1 })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'query.limit' });
      expect(await store.query({ view })).toEqual([]);
    });

    it('keeps late events once each, even when a replay records them again, newest first with a total', async () => {
      const view = uniqueName('late');
      const late = (offset: number, partition = 0, generation = 0) => ({
        view,
        generation,
        partition,
        offset,
        eventId: `01JLATE${offset}`,
        eventTime: 1_700_000_000_000 + offset,
        watermark: 1_700_000_500_000,
        receivedAt: 1_700_000_600_000,
        recordedAt: 1_700_000_600_001,
        payload: { ts: 1_700_000_000_000 + offset, country: 'DE', note: "it's \\ late ✓", nested: { a: [1, null] } },
      });
      await store.recordLate([late(3), late(7), late(5, 1)]);
      await store.recordLate([late(7), late(3)]); // the processor replayed after a crash
      await store.recordLate([]);
      await store.recordLate([late(3, 0, 1)]); // the view's next generation, after a rebuild
      const all = await store.lateEvents({ view, generation: 0 });
      expect(all.total).toBe(3);
      expect(all.events).toEqual([late(7), late(5, 1), late(3)]);
      expect(await store.lateEvents({ view, generation: 0, limit: 1 })).toEqual({ total: 3, events: [late(7)] });
      expect(await store.lateEvents({ view, generation: 1 })).toEqual({ total: 1, events: [late(3, 0, 1)] });
      expect(await store.lateEvents({ view: `${view}_other`, generation: 0 })).toEqual({ total: 0, events: [] });
      await expect(store.recordLate([{ ...late(1), offset: -1 }])).rejects.toMatchObject({ code: 'BAD_USER_INPUT', path: 'events[0].offset' });
    });

    it('returns only rows at or above a minimum revision, the newest revision of each key deciding', async () => {
      const view = uniqueName('generations');
      const GENERATION = 2 ** 40;
      const de = { country: 'DE' };
      const fr = { country: 'FR' };
      await store.upsert([row(view, { key: de, revision: 5 }), row(view, { key: fr, revision: 9 })]);
      await store.upsert([row(view, { key: de, revision: GENERATION + 3, values: { count: 1, total: 1 } })]);
      expect((await store.query({ view, minRevision: GENERATION })).map((r) => [r.key, r.revision])).toEqual([[de, GENERATION + 3]]);
      expect((await store.query({ view })).map((r) => r.revision)).toEqual([GENERATION + 3, 9]);
    });

    it('leaves out a key whose newest revision holds no events (a retraction), before the limit counts', async () => {
      const view = uniqueName('retracted');
      const early = row(view, { windowStart: 1_000, windowEnd: 2_000, revision: 1 });
      const gone = row(view, { windowStart: 2_000, windowEnd: 3_000, revision: 1 });
      const late = row(view, { windowStart: 3_000, windowEnd: 4_000, revision: 1 });
      await store.upsert([early, gone, late]);
      await store.upsert([{ ...gone, eventCount: 0, values: { count: null, total: null }, revision: 2 }]);
      expect((await store.query({ view })).map((r) => r.windowStart)).toEqual([1_000, 3_000]);
      expect((await store.query({ view, from: 2_000, limit: 1 })).map((r) => r.windowStart)).toEqual([3_000]);
      // A newer real row brings the key back.
      await store.upsert([{ ...gone, revision: 3 }]);
      expect((await store.query({ view })).map((r) => r.windowStart)).toEqual([1_000, 2_000, 3_000]);
    });

    it('keeps data across close and reopen', async () => {
      const view = uniqueName('durable');
      await store.upsert([row(view, { revision: 9, final: true })]);
      await store.close();
      store = await factory({});
      expect((await store.migrate()).applied).toEqual([]);
      expect(await store.query({ view })).toEqual([row(view, { revision: 9, final: true })]);
    });
  });
}
