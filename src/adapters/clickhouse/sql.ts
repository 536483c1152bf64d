// The one way values and names enter ClickHouse SQL: literals that parse to the same value on
// ClickHouse 18.16 and on current ClickHouse/chDB, for both the SQL parser and the VALUES format.

import { GatewayError } from '../../errors/gateway-error';

export type SqlScalar = string | number | bigint | boolean | null;
export type SqlValue = SqlScalar | readonly SqlValue[];

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Renders a JS value as a ClickHouse literal.
 * - string: single-quoted; lone UTF-16 surrogates become U+FFFD (UTF-8 cannot carry them, and
 *   doing it here keeps the literal identical to what any UTF-8 encoder would send).
 * - number: safe integers as integers; anything else as Float64 (`nan`, `inf`, `-inf`, `-0.`).
 * - bigint: Int64/UInt64 range; boolean: 1/0 (18.16 has no Bool); null: NULL; arrays nest.
 */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  switch (typeof value) {
    case 'string':
      return quoteString(value);
    case 'number':
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : floatLiteral(value);
    case 'bigint':
      if (value < INT64_MIN || value > UINT64_MAX) {
        throw new GatewayError('BAD_USER_INPUT', `integer ${value} is outside the Int64/UInt64 range`);
      }
      return String(value);
    case 'boolean':
      return value ? '1' : '0';
    default:
      if (Array.isArray(value)) return `[${value.map(sqlLiteral).join(', ')}]`;
      throw new GatewayError('INTERNAL', `cannot render a ${typeof value} as a ClickHouse literal`);
  }
}

/**
 * Backquoted identifier. Tributary's own names never need it, but a database name from config
 * (the server adapter) may contain anything.
 */
export function sqlIdentifier(name: string): string {
  if (name.length === 0) throw new GatewayError('BAD_USER_INPUT', 'a ClickHouse identifier cannot be empty');
  return '`' + escapeChars(name, '`') + '`';
}

function floatLiteral(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  if (Object.is(value, -0)) return '-0.';
  // String() is the shortest text that round-trips; the suffix keeps the literal a Float64 even
  // for integral values too large to be safe integers, instead of a UInt64 that breaks supertypes.
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.`;
}

function quoteString(value: string): string {
  return "'" + escapeChars(value, "'") + "'";
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Backslash, the active quote, and every C0 control and DEL: escapes 18.16 already understood.
const NEEDS_ESCAPE = /[\\'`\u0000-\u001F\u007F]/g;

function escapeChars(value: string, quote: "'" | '`'): string {
  return value.replace(LONE_SURROGATE, '\uFFFD').replace(NEEDS_ESCAPE, (ch) => {
    if (ch === '\\') return '\\\\';
    if (ch === "'" || ch === '`') return ch === quote ? '\\' + ch : ch;
    // \xHH always takes exactly two digits, so the next character can never extend it
    // (unlike \0, whose meaning for a following digit has varied between parsers).
    return '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase();
  });
}
