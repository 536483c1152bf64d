// The dashboard as a user sees it: a real gateway, real events, Debian's Chromium. Selecting a view
// shows the right numbers; new events change them in place without a reload, also after the
// WebSocket drops; API errors are shown on the page. Also checks that the documents the dashboard
// sends name operations of schema/operations, which the gateway serves to it.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'graphql';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphQLClient } from '../../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const ROOT = path.resolve(__dirname, '..', '..');

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stdout.write('SKIPPED: dashboard browser test (install Debian chromium)\n');

// web/ is browser ES modules (web/package.json says so); this file is compiled as CommonJS.
const dashboardOperationNames = () => import('../../web/operation-names.js');

describe('dashboard operations', () => {
  it('names, for each request the dashboard sends, an operation of a schema/operations document', async () => {
    const { OPERATION_NAMES } = await dashboardOperationNames();
    for (const [request, [file, operationName]] of Object.entries(OPERATION_NAMES) as [string, [string, string]][]) {
      const source = path.join(ROOT, 'schema', 'operations', file);
      expect(existsSync(source), `${request} reads ${file}, which schema/operations does not have`).toBe(true);
      const names = parse(readFileSync(source, 'utf8')).definitions.map((d) => (d.kind === 'OperationDefinition' ? d.name?.value : undefined));
      expect(names, request).toContain(operationName);
    }
  });
});

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let gateway: GatewayProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let sockets = 0;
  let dropSocket: () => void = () => {};

  beforeAll(async () => {
    gateway = await startGateway({ producer: 'checkout' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // Pass the dashboard's WebSocket through to the gateway, keeping a handle to cut it.
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      sockets += 1;
      socket.connectToServer();
      dropSocket = () => socket.close({ code: 1012, reason: 'test cut the connection' });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  const stream = uniqueName('dash_orders');
  const view = uniqueName('dash_by_country');
  // Ten minutes back, so every window is in the past; the 1m watermark delay keeps them open until
  // an event three minutes later closes the first two.
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const first = new Date(base).toISOString();
  const second = new Date(base + 60_000).toISOString();
  const order = (offsetMs: number, country: string, amount: number) => ({ ts: base + offsetMs, country, amount });

  const ingest = (events: unknown[]) => gateway.client.request(IngestDocument, { stream, events });
  const processed = (count: number) =>
    waitFor(
      async () => {
        const { views } = await gateway.client.request(ViewsDocument, { stream });
        return (views[0]?.progress?.processedEvents ?? 0) >= count;
      },
      { timeoutMs: 30_000, what: `view ${view} to process ${count} events` },
    );

  it('shows the selected view’s aggregates, lineage and quarantine', async () => {
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, timestampField: 'ts', watermarkDelay: '1m' } });
    await gateway.client.request(CreateViewDocument, {
      input: {
        name: view,
        stream,
        window: '1m',
        groupBy: ['country'],
        measures: [
          { name: 'orders', fn: 'COUNT' },
          { name: 'revenue', fn: 'SUM', field: 'amount' },
        ],
      },
    });
    const result = await ingest([order(1_000, 'DE', 10), order(2_000, 'DE', 20), order(3_000, 'FR', 5.5), order(4_000, 'DE', 30), order(5_000, 'FR', 10), { country: 'DE', amount: 1 }]);
    expect(result.ingest).toMatchObject({ accepted: 5, rejected: 1 });
    await processed(5);

    await page.goto(`${gateway.baseUrl}/`);
    await page.click(`button[data-view="${view}"]`);
    await expect.poll(() => page.textContent('#view-name')).toBe(view);

    await waitForRow(page, first, 'DE', { 'measure:orders': '3', 'measure:revenue': '60', eventCount: '3', status: 'open' });
    await waitForRow(page, first, 'FR', { 'measure:orders': '2', 'measure:revenue': '15.50', eventCount: '2', status: 'open' });
    await waitForText(page, `button[data-stream="${stream}"]`, ['5 events', '1 quarantined']);
    await waitForText(page, '#lineage', ['checkout', stream, 'amount', 'SUM(revenue)', 'country', 'groupBy', view]);
    await waitForText(page, '#quarantine', ['MISSING_TIMESTAMP', 'events[5].ts is missing', 'checkout']);
  });

  it('updates rows in place, newest window first, and marks closed windows final', async () => {
    await page.evaluate(() => document.querySelectorAll<HTMLElement>('#aggregates-table tbody tr').forEach((row) => (row.dataset.probe = 'from-first-load')));
    await ingest([order(6_000, 'DE', 40), order(60_000 + 1_000, 'JP', 7.25)]);

    const de = await waitForRow(page, first, 'DE', { 'measure:orders': '4', 'measure:revenue': '100', eventCount: '4', status: 'open' });
    expect(de.probe, 'the DE row was replaced instead of updated in place').toBe('from-first-load');
    expect(de.changed, 'the updated row is not highlighted').toBe(true);
    await waitForRow(page, second, 'JP', { 'measure:orders': '1', 'measure:revenue': '7.25', status: 'open' });
    const starts = await page.$$eval('#aggregates-table tbody tr', (rows) => rows.map((row) => (row as HTMLElement).dataset.windowStart));
    expect(starts).toEqual([second, first, first]);

    // An event three minutes on moves the watermark past both windows' ends.
    await ingest([order(3 * 60_000 + 30_000, 'US', 1)]);
    await waitForRow(page, first, 'DE', { 'measure:orders': '4', status: 'final' });
    await waitForRow(page, second, 'JP', { status: 'final' });
  });

  it('reconnects after the WebSocket drops and keeps the table live', async () => {
    const before = sockets;
    await page.waitForSelector('#live-status[data-state="live"]');
    dropSocket();
    await waitForText(page, '#live-status[data-state="reconnecting"]', ['Reconnecting in', 'test cut the connection']);
    await page.waitForSelector('#live-status[data-state="live"]', { timeout: 20_000 });
    expect(sockets).toBeGreaterThan(before);

    await ingest([order(3 * 60_000 + 31_000, 'US', 2)]);
    await waitForRow(page, new Date(base + 3 * 60_000).toISOString(), 'US', { 'measure:orders': '2', 'measure:revenue': '3' });
  });

  it('shows API errors on the page and clears them once the API answers again', async () => {
    await page.route('**/graphql', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ errors: [{ message: 'aggregate store is unavailable', extensions: { code: 'UNAVAILABLE' } }] }),
      }),
    );
    await waitForText(page, '#banner .error-box', ['Could not load streams and views', 'aggregate store is unavailable', 'UNAVAILABLE']);
    await page.unroute('**/graphql');
    await page.waitForFunction(() => document.querySelector('#banner')!.childElementCount === 0, undefined, { timeout: 10_000 });
    expect(pageErrors).toEqual([]);
  });
});

/**
 * Waits until the aggregates table has the row of `windowStart` and `country` with every cell in
 * `cells` (data-col → text); returns whether the row carries the test's probe and the highlight.
 */
async function waitForRow(page: Page, windowStart: string, country: string, cells: Record<string, string>) {
  const find = (arg: { windowStart: string; country: string; cells: Record<string, string> }) => {
    const row = [...document.querySelectorAll<HTMLTableRowElement>('#aggregates-table tbody tr')].find(
      (r) => r.dataset.windowStart === arg.windowStart && r.querySelector('[data-col="key:country"]')?.textContent === arg.country,
    );
    if (!row || !Object.entries(arg.cells).every(([col, text]) => row.querySelector(`[data-col="${col}"]`)?.textContent === text)) return null;
    return { probe: row.dataset.probe ?? null, changed: row.classList.contains('changed') };
  };
  try {
    const handle = await page.waitForFunction(find, { windowStart, country, cells }, { timeout: 15_000 });
    return (await handle.jsonValue())!;
  } catch (error) {
    const table = await page.$$eval('#aggregates-table tbody tr', (rows) => rows.map((r) => `${(r as HTMLElement).dataset.windowStart} | ${r.textContent}`).join('\n'));
    throw new Error(`no row ${windowStart} ${country} with ${JSON.stringify(cells)}; the table shows:\n${table}\n${String(error)}`);
  }
}

describe.skipIf(!hasChromium)('dashboard against a gateway that requires API keys', () => {
  let gateway: GatewayProcess;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_AUTH: 'required' } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('asks for a key, then uses the one given in the address for requests and live updates', async () => {
    const token = /Admin API key \(shown once; keep it\): (trb_\S+)/.exec(gateway.log())![1];
    const admin = new GraphQLClient(gateway.url, { headers: { authorization: `Bearer ${token}` } });
    const stream = uniqueName('keyed');
    await admin.request(CreateStreamDocument, { input: { name: stream } });

    const page = await browser.newPage();
    await page.goto(`${gateway.baseUrl}/`);
    await waitForText(page, '#banner', ['UNAUTHENTICATED', 'Paste an API key']);

    await page.goto(`${gateway.baseUrl}/#key=${encodeURIComponent(token)}`);
    await waitForText(page, '#stream-list', [stream]);
    expect(page.url()).not.toContain('key=');
    // The live connection was accepted with the key (a refused one would show "failed").
    await expect.poll(() => page.getAttribute('#live-status', 'data-state')).not.toBe('failed');
    await page.close();
  });
});

/** Waits until `selector`'s text contains every one of `texts` and none of `absent`. */
async function waitForText(page: Page, selector: string, texts: string[], absent: string[] = []) {
  try {
    await page.waitForFunction(
      ({ selector, texts, absent }) => {
        const text = document.querySelector(selector)?.textContent ?? '';
        return texts.every((t) => text.includes(t)) && !absent.some((t) => text.includes(t));
      },
      { selector, texts, absent },
      { timeout: 15_000 },
    );
  } catch (error) {
    const text = await page.evaluate((s) => document.querySelector(s)?.textContent ?? '(no such element)', selector);
    throw new Error(`${selector} never showed ${JSON.stringify(texts)}${absent.length ? ` without ${JSON.stringify(absent)}` : ''}; it shows: ${text}\n${String(error)}`);
  }
}
