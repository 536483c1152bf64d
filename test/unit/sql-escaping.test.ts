// sqlLiteral/sqlIdentifier: exact renderings, then hostile values round-tripped through chDB by both
// ClickHouse parsers that see our literals (the SQL expression parser and the VALUES format).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sqlIdentifier, sqlLiteral } from '../../src/adapters/clickhouse/sql';
import { float64FromJson, int64ToNumber } from '../../src/adapters/clickhouse/sql-executor';
import { ChdbExecutor } from '../../src/adapters/embedded/chdb-executor';
import { GatewayError } from '../../src/errors/gateway-error';
import { tempDir } from '../helpers/temp-dir';

const HOSTILE_STRINGS = [
  '',
  "it's",
  "''",
  '\\',
  "\\'",
  "\\'; DROP TABLE t; --",
  "'); DROP TABLE t; --",
  'a\u0000b',
  '\u0000',
  '\u00001',
  '\\0',
  '\\x41',
  'line\nbreak\r\ntab\tbell\u0007backspace\bformfeed\f',
  '\u001b[31mred\u001b[0m',
  '\u007f',
  '`backtick`',
  '"double"',
  '{x:String}',
  '$1 ? :name',
  '/* comment */ -- comment',
  'é ü ñ 中文 𝄞 😀 👩‍👩‍👧',
  '\u2028\u2029\ufeff',
  '\uffff\ufffe',
  'x'.repeat(10_000),
];

/** What survives UTF-8: lone surrogates become U+FFFD, as any UTF-8 encoder would do. */
function wellFormed(value: string): string {
  return Buffer.from(value, 'utf8').toString('utf8');
}

describe('sqlLiteral renderings', () => {
  it('quotes strings and escapes backslash, quote and control characters', () => {
    expect(sqlLiteral("it's")).toBe("'it\\'s'");
    expect(sqlLiteral('a\\b')).toBe("'a\\\\b'");
    expect(sqlLiteral('a\u0000b\n\t\u007f')).toBe("'a\\x00b\\x0A\\x09\\x7F'");
    expect(sqlLiteral('`"')).toBe("'`\"'");
    expect(sqlLiteral('é😀')).toBe("'é😀'");
  });

  it('replaces lone surrogates and keeps surrogate pairs', () => {
    expect(sqlLiteral('a\uD800b')).toBe("'a\uFFFDb'");
    expect(sqlLiteral('\uDC00')).toBe("'\uFFFD'");
    expect(sqlLiteral('\uDC00\uD800')).toBe("'\uFFFD\uFFFD'");
    expect(sqlLiteral('\uD83D\uDE00')).toBe("'\uD83D\uDE00'");
  });

  it('renders numbers as integers or Float64 literals', () => {
    expect(sqlLiteral(42)).toBe('42');
    expect(sqlLiteral(-7)).toBe('-7');
    expect(sqlLiteral(1.5)).toBe('1.5');
    expect(sqlLiteral(-0)).toBe('-0.');
    expect(sqlLiteral(Number.NaN)).toBe('nan');
    expect(sqlLiteral(Infinity)).toBe('inf');
    expect(sqlLiteral(-Infinity)).toBe('-inf');
    expect(sqlLiteral(1e21)).toBe('1e+21');
    expect(sqlLiteral(2 ** 60)).toBe('1152921504606847000.');
    expect(sqlLiteral(5e-324)).toBe('5e-324');
  });

  it('renders bigint, boolean, null and nested arrays', () => {
    expect(sqlLiteral(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(sqlLiteral(2n ** 64n - 1n)).toBe('18446744073709551615');
    expect(() => sqlLiteral(2n ** 64n)).toThrow(GatewayError);
    expect(sqlLiteral(true)).toBe('1');
    expect(sqlLiteral(false)).toBe('0');
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral([['a', "b'"], []])).toBe("[['a', 'b\\''], []]");
    expect(sqlLiteral([1, Number.NaN, -Infinity])).toBe('[1, nan, -inf]');
  });

  it('backquotes identifiers', () => {
    expect(sqlIdentifier('window_aggregates')).toBe('`window_aggregates`');
    expect(sqlIdentifier('a`b\\c')).toBe('`a\\`b\\\\c`');
    expect(() => sqlIdentifier('')).toThrow(GatewayError);
  });

  it('normalises JSON output values', () => {
    expect(int64ToNumber('1700000000000', 'c')).toBe(1_700_000_000_000);
    expect(int64ToNumber(5, 'c')).toBe(5);
    expect(() => int64ToNumber('18446744073709551615', 'c')).toThrow(GatewayError);
    expect(float64FromJson('inf')).toBe(Infinity);
    expect(float64FromJson('-inf')).toBe(-Infinity);
    expect(float64FromJson('nan')).toBeNaN();
    expect(float64FromJson(null)).toBeNaN();
    expect(float64FromJson(0.25)).toBe(0.25);
  });
});

describe('sqlLiteral round-trips through chDB', () => {
  let db: ChdbExecutor;
  const table = sqlIdentifier('escaping `probe` \\ table');

  beforeAll(async () => {
    db = ChdbExecutor.open(tempDir('tributary-sql-'));
    await db.command(
      `CREATE TABLE ${table} (i UInt32, s String, f Float64, a Array(String), fa Array(Float64)) ENGINE = MergeTree ORDER BY i`,
    );
  });
  afterAll(() => db?.close());

  function randomString(length: number): string {
    // Any UTF-16 code unit, so lone and reversed surrogates and every control character occur.
    return String.fromCharCode(...Array.from({ length }, () => Math.floor(Math.random() * 0x10000)));
  }

  function randomDouble(): number {
    const bytes = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 8; i++) bytes.setUint8(i, Math.floor(Math.random() * 256));
    return bytes.getFloat64(0);
  }

  it('reads every hostile string back unchanged from a SELECT literal', async () => {
    const strings = [...HOSTILE_STRINGS, ...Array.from({ length: 200 }, () => randomString(20))];
    const select = strings.map((s, i) => `${sqlLiteral(s)} AS s${i}`).join(', ');
    const [row] = await db.queryRows<Record<string, string>>(`SELECT ${select}`);
    strings.forEach((s, i) => expect(row[`s${i}`], JSON.stringify(s)).toBe(wellFormed(s)));
  });

  it('stores every hostile string and number unchanged through INSERT ... VALUES', async () => {
    const strings = [...HOSTILE_STRINGS, ...Array.from({ length: 300 }, () => randomString(12))];
    const floats = [0.1 + 0.2, 1 / 3, -0, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 2 ** 60, 1e21];
    while (floats.length < strings.length) {
      const x = randomDouble();
      if (Number.isFinite(x)) floats.push(x);
    }
    const tuples = strings.map((s, i) => sqlLiteral([i, s, floats[i], [s, 'x'], [floats[i], 1, Number.NaN, Infinity, -Infinity]]));
    // sqlLiteral renders a JS array as [..]; a VALUES row needs (..).
    await db.command(`INSERT INTO ${table} VALUES ${tuples.map((t) => `(${t.slice(1, -1)})`).join(', ')}`);

    const rows = await db.queryRows<{ i: number; s: string; f: number | string; a: string[]; fa: Array<number | string> }>(
      `SELECT i, s, f, a, fa FROM ${table} ORDER BY i`,
    );
    expect(rows).toHaveLength(strings.length);
    for (const row of rows) {
      expect(row.s, JSON.stringify(strings[row.i])).toBe(wellFormed(strings[row.i]));
      expect(row.a).toEqual([wellFormed(strings[row.i]), 'x']);
      expect(Object.is(float64FromJson(row.f), floats[row.i]), `${floats[row.i]} came back as ${row.f}`).toBe(true);
      const [f, one, nan, inf, minusInf] = row.fa.map(float64FromJson);
      expect(Object.is(f, floats[row.i])).toBe(true);
      expect([one, inf, minusInf]).toEqual([1, Infinity, -Infinity]);
      expect(nan).toBeNaN();
    }
  });

  it('keeps integers exact at the Int64/UInt64 limits', async () => {
    const [row] = await db.queryRows<Record<string, string>>(
      `SELECT toInt64(${sqlLiteral(-(2n ** 63n))}) AS lo, toUInt64(${sqlLiteral(2n ** 64n - 1n)}) AS hi, toInt64(${sqlLiteral(Number.MAX_SAFE_INTEGER)}) AS safe`,
    );
    expect(row).toEqual({ lo: '-9223372036854775808', hi: '18446744073709551615', safe: '9007199254740991' });
  });
});
