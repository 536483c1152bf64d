import { describe, expect, it } from 'vitest';
import { parseEventTime, readField } from '../../src/domain/event-fields';
import { assignWindows, groupKeyOf, GroupKeyReader, toKeyValue, windowEnd } from '../../src/stream/windows';

describe('assignWindows, tumbling', () => {
  it('puts an event exactly at a window start in that window, and one at its end in the next', () => {
    expect(assignWindows(60_000, 60_000, null)).toEqual([60_000]);
    expect(assignWindows(119_999, 60_000, null)).toEqual([60_000]);
    expect(assignWindows(120_000, 60_000, null)).toEqual([120_000]);
    expect(assignWindows(0, 60_000, null)).toEqual([0]);
  });

  it('floors negative times to the window below zero', () => {
    expect(assignWindows(-1, 1000, null)).toEqual([-1000]);
    expect(assignWindows(-1000, 1000, null)).toEqual([-1000]);
    expect(assignWindows(-1001, 1000, null)).toEqual([-2000]);
    expect(Object.is(assignWindows(-0, 1000, null)[0], -0)).toBe(false);
  });

  it('handles real epoch times', () => {
    const t = Date.UTC(2026, 10, 23, 10, 0, 59, 999);
    expect(assignWindows(t, 60_000, null)).toEqual([Date.UTC(2026, 10, 23, 10, 0)]);
  });

  it('refuses sizes and hops that are not positive integers', () => {
    expect(() => assignWindows(5, 0, null)).toThrow(RangeError);
    expect(() => assignWindows(5, -10, null)).toThrow(/sizeMs/);
    expect(() => assignWindows(5, 1.5, null)).toThrow(/sizeMs/);
    expect(() => assignWindows(5, 10, 0)).toThrow(/hopMs/);
    expect(() => assignWindows(5, 10, Number.NaN)).toThrow(/hopMs/);
  });
});

describe('assignWindows, hopping', () => {
  it('gives every window [start, start + size) holding the event, ascending', () => {
    // size 10, hop 5: t=12 is in [5,15) and [10,20).
    expect(assignWindows(12, 10, 5)).toEqual([5, 10]);
    // Exactly at a start: belongs to it; the window ending at 10 ([0,10)) does not hold 10.
    expect(assignWindows(10, 10, 5)).toEqual([5, 10]);
    expect(assignWindows(9, 10, 5)).toEqual([0, 5]);
  });

  it('with hop equal to size behaves like tumbling', () => {
    for (const t of [-2501, -1000, -1, 0, 1, 999, 1000, 123_456_789]) {
      expect(assignWindows(t, 1000, 1000)).toEqual(assignWindows(t, 1000, null));
    }
  });

  it('handles a size that is not a multiple of the hop', () => {
    // size 10, hop 4: starts ..., 0, 4, 8, 12; t=11 is in [4,14) and [8,18), not [0,10) nor [12,22).
    expect(assignWindows(11, 10, 4)).toEqual([4, 8]);
    // t=12 is in [4,14), [8,18), [12,22).
    expect(assignWindows(12, 10, 4)).toEqual([4, 8, 12]);
  });

  it('handles negative times', () => {
    expect(assignWindows(-1, 10, 5)).toEqual([-10, -5]);
    expect(assignWindows(-5, 10, 5)).toEqual([-10, -5]);
    expect(assignWindows(-11, 10, 4)).toEqual([-20, -16, -12]);
  });

  it('agrees with a brute-force scan of window starts', () => {
    for (const [size, hop] of [[10, 3], [60, 15], [7, 7], [100, 1], [9, 4]]) {
      for (let t = -50; t <= 50; t++) {
        const expected: number[] = [];
        for (let start = -hop * Math.ceil(300 / hop); start <= 200; start += hop) if (start <= t && t < start + size) expected.push(start);
        expect(assignWindows(t, size, hop), `t=${t} size=${size} hop=${hop}`).toEqual(expected);
      }
    }
  });

  it('gives no window to an event in a gap when the hop exceeds the size', () => {
    expect(assignWindows(16, 5, 10)).toEqual([]);
    expect(assignWindows(12, 5, 10)).toEqual([10]);
    expect(assignWindows(22, 5, 10)).toEqual([20]);
  });

  it('gives size / hop windows to every event when the size is a multiple', () => {
    expect(assignWindows(1_700_000_000_123, 60_000, 600)).toHaveLength(100);
  });
});

describe('windowEnd', () => {
  it('is exclusive: start + size', () => {
    expect(windowEnd(60_000, 60_000)).toBe(120_000);
    expect(windowEnd(-1000, 1000)).toBe(0);
  });
});

describe('readField', () => {
  const payload = { a: 1, user: { country: 'DE', address: { city: 'Berlin' } }, nil: null, list: [1, 2], zero: 0 };

  it('reads top-level and nested fields', () => {
    expect(readField(payload, 'a')).toBe(1);
    expect(readField(payload, 'zero')).toBe(0);
    expect(readField(payload, 'user.country')).toBe('DE');
    expect(readField(payload, 'user.address.city')).toBe('Berlin');
    expect(readField(payload, 'user.address')).toEqual({ city: 'Berlin' });
    expect(readField(payload, 'nil')).toBeNull();
  });

  it('gives undefined for missing fields and paths through non-objects', () => {
    expect(readField(payload, 'missing')).toBeUndefined();
    expect(readField(payload, 'user.missing.deeper')).toBeUndefined();
    expect(readField(payload, 'a.b')).toBeUndefined();
    expect(readField(payload, 'nil.x')).toBeUndefined();
    expect(readField(payload, 'user.country.length')).toBeUndefined();
    expect(readField(payload, 'list.length')).toBeUndefined();
    expect(readField(payload, 'list.0')).toBeUndefined();
  });

  it('never reaches Object.prototype or constructors', () => {
    for (const path of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__.toString',
      'constructor.prototype', 'user.__proto__', 'user.constructor.name', 'a.constructor', 'user.country.constructor']) {
      expect(readField(payload, path), path).toBeUndefined();
    }
  });

  it('reads own properties that happen to have hostile names, as parsed from JSON', () => {
    const parsed = JSON.parse('{"__proto__": {"x": 1}, "constructor": "c"}') as Record<string, unknown>;
    expect(readField(parsed, '__proto__.x')).toBe(1);
    expect(readField(parsed, 'constructor')).toBe('c');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('works on objects without a prototype', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 2 } });
    expect(readField(bare, 'a.b')).toBe(2);
  });
});

describe('groupKeyOf', () => {
  it('maps each groupBy field to its value, with a canonical string', () => {
    const { key, canonical } = groupKeyOf({ user: { country: 'DE' }, plan: 'pro', n: 3 }, ['user.country', 'plan', 'n']);
    expect(key).toEqual({ 'user.country': 'DE', plan: 'pro', n: 3 });
    expect(canonical).toBe('["DE","pro",3]');
    expect(canonical).toBe(JSON.stringify(Object.values(key)));
  });

  it('gives {} and "[]" for a view without groupBy', () => {
    expect(groupKeyOf({ a: 1 }, [])).toEqual({ key: {}, canonical: '[]' });
  });

  it('turns missing, undefined and null into null, and objects into JSON text', () => {
    const { key } = groupKeyOf({ u: undefined, n: null, o: { b: 1 }, l: [1, 'x'] }, ['missing', 'u', 'n', 'o', 'l']);
    expect(key).toEqual({ missing: null, u: null, n: null, o: '{"b":1}', l: '[1,"x"]' });
  });

  it('keeps distinct tuples distinct and equal tuples equal', () => {
    const payloads = [
      { a: 1 }, { a: '1' }, { a: true }, { a: 'true' }, { a: null }, { a: 'null' }, {}, { a: '' },
      { a: 1, b: 2 }, { a: '1,2' }, { a: 'x","y' }, { a: 'x', b: 'y' }, { a: 0 }, { a: false }, { a: [1] }, { a: 1.5 },
    ];
    const canonicals = payloads.map((p) => groupKeyOf(p, ['a', 'b']).canonical);
    // {} and { a: null } are the same key ([null, null]); every other tuple differs.
    expect(canonicals[4]).toBe(canonicals[6]);
    expect(new Set(canonicals).size).toBe(payloads.length - 1);
    expect(groupKeyOf({ a: 'x', b: 1 }, ['a', 'b']).canonical).toBe(groupKeyOf({ b: 1, a: 'x' }, ['a', 'b']).canonical);
    expect(groupKeyOf({ a: -0 }, ['a']).canonical).toBe(groupKeyOf({ a: 0 }, ['a']).canonical);
  });

  it('escapes strings so that no value can forge a separator', () => {
    const tricky = groupKeyOf({ a: 'x"]', b: '\n\u2028' }, ['a', 'b']);
    expect(JSON.parse(tricky.canonical)).toEqual(['x"]', '\n\u2028']);
  });

  it('keeps a "__proto__" groupBy field as an ordinary own key', () => {
    const payload = JSON.parse('{"__proto__": "evil"}') as Record<string, unknown>;
    const { key } = groupKeyOf(payload, ['__proto__']);
    expect(Object.getPrototypeOf(key)).toBe(Object.prototype);
    expect(Object.keys(key)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(key, '__proto__')?.value).toBe('evil');
  });

  it('gives the same result through a reused GroupKeyReader', () => {
    const reader = new GroupKeyReader(['x.y', 'z']);
    const p = { x: { y: 'a' }, z: 2 };
    expect(reader.read(p)).toEqual(groupKeyOf(p, ['x.y', 'z']));
  });

  it('toKeyValue maps values JSON cannot carry to null', () => {
    expect(toKeyValue(Number.NaN)).toBeNull();
    expect(toKeyValue(Infinity)).toBeNull();
    expect(toKeyValue(() => 1)).toBeNull();
    expect(toKeyValue(Symbol('s'))).toBeNull();
    expect(toKeyValue(10n)).toBe('10');
  });
});

describe('parseEventTime', () => {
  const accepted: [unknown, number][] = [
    [0, 0],
    [1_763_892_000_000, 1_763_892_000_000],
    [1_763_892_000_000.9, 1_763_892_000_000],
    [253_402_300_799_999, 253_402_300_799_999],
    ['2026-11-23T10:00:00Z', Date.UTC(2026, 10, 23, 10)],
    ['2026-11-23T10:00:00.123+01:00', Date.UTC(2026, 10, 23, 9, 0, 0, 123)],
    ['2026-11-23T10:00:00.1-02:30', Date.UTC(2026, 10, 23, 12, 30, 0, 100)],
    ['2026-11-23T10:00:00.123456789Z', Date.UTC(2026, 10, 23, 10, 0, 0, 123)],
    ['2026-11-23t10:00:00z', Date.UTC(2026, 10, 23, 10)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2000-02-29T23:59:59.999Z', Date.UTC(2000, 1, 29, 23, 59, 59, 999)],
    ['1970-01-01T00:00:00Z', 0],
    ['1970-01-01T01:00:00+01:00', 0],
    ['9999-12-31T23:59:59.999Z', 253_402_300_799_999],
    ['2026-01-01T00:00:00-00:00', Date.UTC(2026, 0, 1)],
  ];
  it.each(accepted)('accepts %j', (input, expected) => {
    expect(parseEventTime(input)).toBe(expected);
  });

  const refused: unknown[] = [
    -1, -0.5, 253_402_300_800_000, Number.NaN, Infinity, -Infinity, null, undefined, true, {}, [], 10n,
    new Date(0),
    '1763892000000', '', ' 2026-11-23T10:00:00Z', '2026-11-23T10:00:00Z ', '2026-11-23', '2026-11-23T10:00Z',
    '2026-11-23T10:00:00', '2026-11-23 10:00:00Z', '2026-11-23T10:00:00+0100', '2026-11-23T10:00:00+01',
    '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-11-00T00:00:00Z', '2026-11-23T24:00:00Z',
    '2026-11-23T10:60:00Z', '2026-11-23T23:59:60Z', '2026-11-23T10:00:00+24:00', '2026-11-23T10:00:00+01:60',
    '1969-12-31T23:59:59.999Z', '1970-01-01T00:30:00+01:00', '0070-01-01T00:00:00Z', '0001-01-01T00:00:00Z',
    '9999-12-31T23:00:00-05:00', '+02026-11-23T10:00:00Z', '2026-11-23T10:00:00.Z', '2026-11-23T10:00:00.1234567890Z',
    '２０２６-11-23T10:00:00Z', 'Mon, 23 Nov 2026 10:00:00 GMT',
  ];
  it.each(refused.map((value) => [value]))('refuses %s', (input) => {
    expect(parseEventTime(input)).toBeUndefined();
  });

  it('agrees with Date.parse on valid RFC 3339 times', () => {
    for (const text of ['2026-11-23T10:00:00.123+05:45', '1999-12-31T23:59:59-12:00', '2048-06-15T00:00:00.5Z']) {
      expect(parseEventTime(text)).toBe(Date.parse(text));
    }
  });
});
