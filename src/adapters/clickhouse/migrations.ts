// Applies migrations/clickhouse/NNN_name.sql in order through any SqlExecutor, recording each file
// with its checksum in `tributary_migrations` and refusing to run if an applied file was edited.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

import { shippedPath } from '../../config/package-root';
import { GatewayError } from '../../errors/gateway-error';
import type { MigrationReport } from '../../ports/aggregate-store';
import { sqlLiteral } from './sql';
import type { SqlExecutor } from './sql-executor';

const MIGRATION_FILE = /^(\d+)_[\w.-]+\.sql$/;

// 18.16-compatible DDL. A plain MergeTree rather than a Log engine, so a server shared by several
// gateways behaves the same as chDB.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS tributary_migrations
(
    name String,
    checksum String,
    applied_at Int64
)
ENGINE = MergeTree
ORDER BY name`;

export interface MigrationFile {
  name: string;
  checksum: string;
  statements: string[];
}

/** `<package root>/migrations/clickhouse`, from src/ under vitest or dist/src/ after tsc. */
export function defaultClickHouseMigrationsDir(): string {
  const dir = shippedPath('migrations', 'clickhouse');
  if (!dir) throw new GatewayError('INTERNAL', `no package root with migrations/clickhouse above ${__dirname}`);
  return dir;
}

/**
 * Splits a file into statements at a `;` that ends a line (18.16 takes one statement per request).
 * Whole-line `--` comments are dropped first; a `;` ending a line inside a string literal or after
 * code on the same line would still split, so migrations must avoid that.
 */
export function splitStatements(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(/;[ \t]*(?:\n|$)/)
    .map((chunk) => chunk.trim())
    .filter((chunk) => chunk !== '');
}

/** Migration files in apply order (by numeric prefix, then name). */
export function readMigrationFiles(dir: string): MigrationFile[] {
  if (!existsSync(dir)) {
    throw new GatewayError('INTERNAL', `migrations directory ${dir} does not exist`);
  }
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name))
    .sort((a, b) => Number(MIGRATION_FILE.exec(a)![1]) - Number(MIGRATION_FILE.exec(b)![1]) || (a < b ? -1 : 1))
    .map((name) => {
      const bytes = readFileSync(path.join(dir, name));
      return {
        name,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        statements: splitStatements(bytes.toString('utf8')),
      };
    });
}

/**
 * Applies pending migrations. A file is recorded only after all its statements succeed; a crash in
 * between re-runs it, so statements must be idempotent (`IF NOT EXISTS`). Two gateways migrating
 * one server at once may both apply a file; idempotent statements make that harmless too.
 */
export async function runClickHouseMigrations(
  executor: SqlExecutor,
  dir: string,
  now: () => number = Date.now,
): Promise<MigrationReport> {
  const files = readMigrationFiles(dir);
  await executor.command(CREATE_MIGRATIONS_TABLE);
  const recorded = await executor.queryRows<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM tributary_migrations ORDER BY name',
  );
  const applied = new Map<string, Set<string>>();
  for (const row of recorded) {
    applied.set(row.name, (applied.get(row.name) ?? new Set()).add(row.checksum));
  }

  // Check every file before applying any, so an edited old file stops the run before it starts.
  for (const file of files) {
    const checksums = applied.get(file.name);
    if (checksums !== undefined && !checksums.has(file.checksum)) {
      throw new GatewayError(
        'MIGRATION_CHECKSUM_MISMATCH',
        `migration ${file.name} was changed after it was applied; add a new migration instead of editing an applied one`,
        { details: { file: path.join(dir, file.name), checksum: file.checksum, appliedChecksums: [...checksums] } },
      );
    }
  }

  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  for (const file of files) {
    if (applied.has(file.name)) {
      report.alreadyApplied.push(file.name);
      continue;
    }
    for (const statement of file.statements) await executor.command(statement);
    const record = [file.name, file.checksum, Math.trunc(now())].map(sqlLiteral).join(', ');
    await executor.command(`INSERT INTO tributary_migrations (name, checksum, applied_at) VALUES (${record})`);
    report.applied.push(file.name);
  }
  return report;
}
