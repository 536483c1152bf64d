// The seam between Tributary's ClickHouse SQL and a ClickHouse engine (chDB in-process, or a server
// over HTTP): executors only run SQL text; the store, migrations and escaping are shared above it.

import { GatewayError } from '../../errors/gateway-error';

/**
 * Runs SQL built with `sql.ts`. Every executor must:
 * - run statements one at a time in call order, without parameters (18.16 has none);
 * - return `queryRows` rows as JSON objects parsed from `JSONEachRow`, with the output settings
 *   below, so rows look the same on every engine and version;
 * - fail with a GatewayError from `clickHouseError()`.
 */
export interface SqlExecutor {
  command(sql: string): Promise<void>;
  queryRows<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Output settings every executor applies (chDB as connection args, HTTP as URL settings). Their
 * defaults differ between 18.16 and 26.x; pinning them makes the JSON identical:
 * 64-bit integers as strings (no silent precision loss) and nan/inf as "nan"/"inf"/"-inf" strings
 * (the defaults print null for all three, which would turn an infinite sum into a missing value).
 */
export const JSON_OUTPUT_SETTINGS = {
  output_format_json_quote_64bit_integers: 1,
  output_format_json_quote_denormals: 1,
} as const;

/**
 * Runs queued work one piece at a time, in call order, as the SqlExecutor contract requires. A
 * failure reaches its caller and does not stop the pieces queued after it.
 */
export class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();

  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once everything queued so far has finished. */
  drained(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}

/** Parses a `JSONEachRow` body; an empty body is zero rows. */
export function parseJsonEachRow<T>(body: string): T[] {
  const rows: T[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() !== '') rows.push(JSON.parse(line) as T);
  }
  return rows;
}

/** A 64-bit integer column (a string under JSON_OUTPUT_SETTINGS) as a JS number, refusing precision loss. */
export function int64ToNumber(value: unknown, column: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw new GatewayError('INTERNAL', `column ${column} holds ${String(value)}, not a safe integer`);
  }
  return n;
}

/** A Float64 from JSON output: a number, or "nan"/"inf"/"-inf" (null if quoting was off). */
export function float64FromJson(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null) return Number.NaN;
  switch (value) {
    case 'inf':
    case '+inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
    case '-nan':
    case '+nan':
      return Number.NaN;
    default:
      throw new GatewayError('INTERNAL', `unexpected Float64 value ${JSON.stringify(value)} in a result`);
  }
}

// ClickHouse codes that the same statement would hit again on every retry: the SQL or the data in
// it is wrong (syntax, unknown table/column, type or parse errors). Retrying them would only spin.
const STATEMENT_ERRORS = new Set([
  1, // UNSUPPORTED_METHOD
  6, // CANNOT_PARSE_TEXT
  10, // NOT_FOUND_COLUMN_IN_BLOCK
  16, // NO_SUCH_COLUMN_IN_TABLE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36, // BAD_ARGUMENTS
  42, // NUMBER_OF_ARGUMENTS_DOESNT_MATCH
  43, // ILLEGAL_TYPE_OF_ARGUMENT
  44, // ILLEGAL_COLUMN
  46, // UNKNOWN_FUNCTION
  47, // UNKNOWN_IDENTIFIER
  48, // NOT_IMPLEMENTED
  50, // UNKNOWN_TYPE
  53, // TYPE_MISMATCH
  57, // TABLE_ALREADY_EXISTS
  60, // UNKNOWN_TABLE
  62, // SYNTAX_ERROR
  69, // ARGUMENT_OUT_OF_BOUND
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  81, // UNKNOWN_DATABASE
  115, // UNKNOWN_SETTING
  117, // INCORRECT_DATA
  179, // MULTIPLE_EXPRESSIONS_FOR_ALIAS
  184, // ILLEGAL_AGGREGATION
  215, // NOT_AN_AGGREGATE
  352, // AMBIGUOUS_COLUMN_NAME
  386, // NO_COMMON_TYPE
]);

/**
 * Maps an engine failure to Tributary's error. A statement ClickHouse rejects on its merits is
 * BAD_USER_INPUT (the SQL's author — the caller — got it wrong; not retriable); anything else
 * (engine down, I/O, memory, too many parts, timeouts) is STORAGE_UNAVAILABLE and retriable.
 */
export function clickHouseError(cause: unknown, sql: string, clickhouseCode?: number): GatewayError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const details = { clickhouseCode, statement: sql.length > 300 ? `${sql.slice(0, 300)}…` : sql };
  if (clickhouseCode !== undefined && STATEMENT_ERRORS.has(clickhouseCode)) {
    return new GatewayError('BAD_USER_INPUT', `ClickHouse rejected the statement: ${message}`, { cause, details });
  }
  return new GatewayError('STORAGE_UNAVAILABLE', `ClickHouse is unavailable: ${message}`, {
    retriable: true,
    cause,
    details,
  });
}
