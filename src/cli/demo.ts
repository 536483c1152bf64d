// `tributary demo`: an online shop's orders and page views, with views over them, and steady
// live traffic, so a new user sees aggregates move within seconds.

import { randomInt } from 'node:crypto';
import { bearer, GraphQLClient, GraphQLRequestError } from '../client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, type CreateViewInput } from '../client/generated/graphql';

export interface DemoOptions {
  url: string;
  rate: number;
  durationSeconds?: number;
  /** API key for a gateway that requires one. */
  apiKey?: string;
  out?: NodeJS.WritableStream;
}

const COUNTRIES = ['DE', 'FR', 'GB', 'US', 'BR', 'JP', 'IN', 'NL'];
const PAGES = ['/', '/search', '/product', '/cart', '/checkout', '/account'];
const DEVICES = ['mobile', 'desktop', 'tablet'];

const VIEWS: CreateViewInput[] = [
  {
    name: 'orders_per_minute',
    stream: 'shop_orders',
    description: 'Orders and revenue per country, per minute',
    window: '1m',
    groupBy: ['country'],
    measures: [
      { name: 'orders', fn: 'COUNT' },
      { name: 'revenue', fn: 'SUM', field: 'amount' },
      { name: 'avg_order', fn: 'AVG', field: 'amount' },
      { name: 'buyers', fn: 'UNIQ', field: 'user_id' },
      { name: 'p95_order', fn: 'P95', field: 'amount' },
    ],
  },
  {
    name: 'revenue_5m_sliding',
    stream: 'shop_orders',
    description: 'Revenue per device over the last 5 minutes, every minute',
    window: '5m',
    hop: '1m',
    groupBy: ['device'],
    measures: [
      { name: 'revenue', fn: 'SUM', field: 'amount' },
      { name: 'largest_order', fn: 'MAX', field: 'amount' },
    ],
  },
  {
    name: 'page_views_10s',
    stream: 'page_views',
    description: 'Traffic and latency per page, every 10 seconds',
    window: '10s',
    groupBy: ['page'],
    measures: [
      { name: 'views', fn: 'COUNT' },
      { name: 'visitors', fn: 'UNIQ', field: 'user_id' },
      { name: 'p50_latency_ms', fn: 'P50', field: 'latency_ms' },
      { name: 'p99_latency_ms', fn: 'P99', field: 'latency_ms' },
    ],
  },
];

export async function runDemo(options: DemoOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  if (!(options.rate > 0)) throw new Error(`--rate must be a positive number; got ${options.rate}`);
  const client = new GraphQLClient(options.url, { producer: 'demo-shop', headers: bearer(options.apiKey) });
  try {
    await createIfMissing(() => client.request(CreateStreamDocument, { input: { name: 'shop_orders', description: 'Orders placed in the demo shop', timestampField: 'ts', watermarkDelay: '2s' } }));
    await createIfMissing(() => client.request(CreateStreamDocument, { input: { name: 'page_views', description: 'Page views of the demo shop', timestampField: 'ts', watermarkDelay: '2s' } }));
    for (const input of VIEWS) await createIfMissing(() => client.request(CreateViewDocument, { input }));
  } catch (error) {
    if (error instanceof TypeError) throw new Error(`no gateway answers at ${options.url}; start one first with \`npm start\``);
    throw error;
  }
  out.write(`demo: streams shop_orders, page_views; views ${VIEWS.map((v) => v.name).join(', ')}\n`);
  out.write(`demo: sending about ${options.rate} events/s to ${options.url}; Ctrl-C to stop\n`);
  out.write(`demo: try  subscription { viewUpdates(view: "orders_per_minute") { windowStart key values final } }\n`);

  const stopAt = options.durationSeconds === undefined ? Infinity : Date.now() + options.durationSeconds * 1000;
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  const tickMs = 200;
  let sent = 0;
  while (!stopped && Date.now() < stopAt) {
    const tickStart = Date.now();
    const count = Math.max(1, Math.round((options.rate * tickMs) / 1000));
    const orders = Math.max(1, Math.round(count / 5));
    await Promise.all([
      client.request(IngestDocument, { stream: 'shop_orders', events: Array.from({ length: orders }, () => order(tickStart)) }),
      client.request(IngestDocument, { stream: 'page_views', events: Array.from({ length: count - orders || 1 }, () => pageView(tickStart)) }),
    ]);
    sent += count;
    if (sent % (options.rate * 10) < count) out.write(`demo: ${sent} events sent\n`);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - tickStart))));
  }
  process.off('SIGINT', stop);
  out.write(`demo: done, ${sent} events sent\n`);
}

async function createIfMissing(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if (!(error instanceof GraphQLRequestError && error.code === 'ALREADY_EXISTS')) throw error;
  }
}

/** Event times trail the clock by up to 1.5 s, as real producers' do. */
function jitteredNow(now: number): number {
  return now - randomInt(0, 1_500);
}

function order(now: number) {
  const country = COUNTRIES[randomInt(0, COUNTRIES.length)];
  return {
    ts: jitteredNow(now),
    order_id: `o-${now.toString(36)}-${randomInt(0, 1e9).toString(36)}`,
    user_id: `u-${randomInt(0, 500)}`,
    country,
    device: DEVICES[randomInt(0, DEVICES.length)],
    amount: Math.round((5 + Math.random() ** 2 * 300) * 100) / 100,
  };
}

function pageView(now: number) {
  return {
    ts: jitteredNow(now),
    user_id: `u-${randomInt(0, 2_000)}`,
    page: PAGES[randomInt(0, PAGES.length)],
    country: COUNTRIES[randomInt(0, COUNTRIES.length)],
    latency_ms: Math.round(20 + Math.random() ** 3 * 800),
  };
}
