// The `tributary` command as a user runs it: `ingest` sends a file and reports what was refused, by
// line; `--help` lists the commands; a bad setting stops `start` with a message naming it.

import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, CreateViewDocument, QuarantineDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { tempDir, uniqueName } from '../helpers/temp-dir';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '..', '..', 'dist', 'src', 'cli.js');

async function tributary(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('tributary ingest', () => {
  let gateway: GatewayProcess;
  const dir = tempDir();
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('sends every good line in batches, reports refused and unparseable lines by number, and exits 2', async () => {
    const stream = uniqueName('cli_orders');
    const view = uniqueName('cli_totals');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, timestampField: 'ts', watermarkDelay: '0s' } });
    await gateway.client.request(CreateViewDocument, {
      input: { name: view, stream, window: '1m', groupBy: [], measures: [{ name: 'n', fn: 'COUNT' }, { name: 'total', fn: 'SUM', field: 'amount' }] },
    });
    const lines: string[] = [];
    for (let i = 0; i < 2_500; i += 1) lines.push(JSON.stringify({ ts: 1_000 + i, amount: 2 }));
    lines.splice(10, 0, '{"amount": 1}'); // line 11: no timestamp
    lines.splice(20, 0, 'not json at all'); // line 21
    lines.push('', JSON.stringify({ ts: 120_000, amount: 0 })); // closes the first window
    const file = path.join(dir, 'orders.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);

    const result = await tributary(['ingest', stream, file, '--url', gateway.url, '--batch-size', '700']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${stream}: sent 2502 events`);
    expect(result.stderr).toContain('2501 accepted, 1 rejected (kept in quarantine), 1 lines not JSON');
    expect(result.stderr).toMatch(/line 11: MISSING_TIMESTAMP/);
    expect(result.stderr).toMatch(/line 21: not valid JSON/);

    const { quarantine } = await gateway.client.request(QuarantineDocument, { stream, limit: 10 });
    expect(quarantine).toEqual([expect.objectContaining({ code: 'MISSING_TIMESTAMP', event: { amount: 1 } })]);
    await waitFor(
      async () => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress?.processedEvents === 2_501,
      { timeoutMs: 30_000, what: 'the view to process all 2501 accepted events' },
    );
    const { viewAggregates } = await gateway.client.request(ViewAggregatesDocument, { view });
    expect(viewAggregates[0]).toMatchObject({ final: true, eventCount: 2_500, values: { n: 2_500, total: 5_000 } });
  });
});

describe('tributary command', () => {
  it('lists its commands', async () => {
    const { code, stdout } = await tributary(['--help']);
    expect(code).toBe(0);
    for (const command of ['start', 'ingest', 'demo', 'migrate']) expect(stdout).toContain(command);
  });

  it('refuses a bad setting at start, naming it and where it came from', async () => {
    const { code, stderr } = await tributary(['start'], { TRIBUTARY_PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toContain('TRIBUTARY_PORT');
  });

  it('refuses to start when the configured Neo4j server cannot be reached, naming the settings', async () => {
    const { code, stderr } = await tributary(['start', '--port', '0', '--data-dir', tempDir('tributary-neo4j-')], {
      TRIBUTARY_LINEAGE: 'neo4j',
      TRIBUTARY_NEO4J_URL: 'bolt://127.0.0.1:1',
      TRIBUTARY_LOG_LEVEL: 'silent',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('cannot use the Neo4j server at bolt://127.0.0.1:1');
    expect(stderr).toContain('TRIBUTARY_NEO4J_URL');
  });
});
