// SqlExecutor for a ClickHouse server over HTTP (@clickhouse/client). Statements run one at a time,
// in call order, with the shared JSON output settings sent per request (18.16 ignores them in SQL).

import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { GatewayError } from '../../errors/gateway-error';
import { sqlIdentifier } from './sql';
import { JSON_OUTPUT_SETTINGS, StatementQueue, clickHouseError, parseJsonEachRow, type SqlExecutor } from './sql-executor';

export interface ClickHouseServerOptions {
  url: string;
  username?: string;
  password?: string;
  database?: string;
  requestTimeoutMs?: number;
  /** For an https:// URL: the CA that signed the server's certificate, and a client certificate and key for mutual TLS (PEM). */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

/**
 * Connects to a server, creating the database if needed, and checks it answers; fails fast with a
 * message naming the URL (and never the password) when it does not.
 */
export async function openClickHouseServer(options: ClickHouseServerOptions): Promise<HttpClickHouseExecutor> {
  const database = options.database ?? 'default';
  const bootstrap = new HttpClickHouseExecutor({ ...options, database: 'default' });
  try {
    await bootstrap.command(`CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(database)}`);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GatewayError('STORAGE_UNAVAILABLE', `cannot use the ClickHouse server at ${options.url}: ${reason}`, { retriable: true, cause: error });
  } finally {
    await bootstrap.close();
  }
  return new HttpClickHouseExecutor({ ...options, database });
}

export class HttpClickHouseExecutor implements SqlExecutor {
  private readonly client: ClickHouseClient;
  private readonly queue = new StatementQueue();
  private closed = false;

  constructor(private readonly options: ClickHouseServerOptions) {
    this.client = createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      database: options.database ?? 'default',
      request_timeout: options.requestTimeoutMs ?? 30_000,
      compression: { request: false, response: false },
      ...(options.tls ? { tls: options.tls.cert && options.tls.key ? { ca_cert: options.tls.ca, cert: options.tls.cert, key: options.tls.key } : { ca_cert: options.tls.ca } } : {}),
    });
  }

  command(sql: string): Promise<void> {
    return this.serialize(async () => {
      await this.client.command({ query: sql, clickhouse_settings: JSON_OUTPUT_SETTINGS });
    }, sql);
  }

  queryRows<T>(sql: string): Promise<T[]> {
    return this.serialize(async () => {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: JSON_OUTPUT_SETTINGS });
      return parseJsonEachRow<T>(await result.text());
    }, sql);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.drained();
    await this.client.close();
  }

  private serialize<T>(run: () => Promise<T>, sql: string): Promise<T> {
    if (this.closed) return Promise.reject(new GatewayError('SHUTTING_DOWN', `the ClickHouse client for ${this.options.url} is closed`));
    return this.queue.enqueue(() =>
      run().catch((cause: unknown) => {
        throw clickHouseError(cause, sql, serverErrorCode(cause));
      }),
    );
  }
}

/**
 * The numeric ClickHouse error code of a server-side failure, when there is one. The client parses
 * it for current servers; 18.16 words its errors "Code: 62, e.displayText() = ...", which only the
 * message carries.
 */
function serverErrorCode(cause: unknown): number | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return Number(code);
  const message = cause instanceof Error ? cause.message : '';
  const match = /^Code: (\d+)[.,]/.exec(message);
  return match ? Number(match[1]) : undefined;
}
