// Views over streams of three Kafka partitions, fed by a producer that writes to the stream's topic
// directly, to the partition it chooses (as any Kafka client may): windows close on the least
// watermark of the partitions, so a lagging partition's events are not late; a partition silent for
// the stream's idle timeout stops holding windows open; and records that break the stream's rules
// (no envelope, an event against its schema) are quarantined with their reason and never counted.
// Run on Kafka 3.9 (what docker/ pins) and 4.x (which dropped the oldest protocol versions).

import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, CreateViewDocument, LateEventsDocument, QuarantineDocument, ViewAggregatesDocument, ViewsDocument } from '../../src/client/generated/graphql';
import { kafkaBroker, kafkaBrokerIsExternal, kafkaBrokerUnavailable } from '../helpers/kafka-broker';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

/** Undefined: the cluster KAFKA_BROKERS names. */
const VERSIONS = kafkaBrokerIsExternal() ? [undefined] : ['3.9.2', '4.1.1'];

const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const S = 1_000;

for (const version of VERSIONS) {
  const title = `views over Kafka${version ? ` ${version}` : ''} partitions written by other producers`;
  const unavailable = kafkaBrokerUnavailable(version);
  if (unavailable) process.stdout.write(`SKIPPED: ${title} (${unavailable})\n`);
  describe.skipIf(unavailable !== undefined)(title, () => defineTests(version));
}

function defineTests(version: string | undefined): void {
  const prefix = `${uniqueName('parts')}.`;
  let gateway: GatewayProcess;
  let producer: Producer;

  /** Writes events straight to a partition of the stream's topic, with Tributary's envelope in headers (as ingest would). */
  const write = async (stream: string, partition: number, events: { time: number; payload: Record<string, unknown>; schemaId?: number }[]) => {
    await producer.send({
      topic: `${prefix}events.${stream}`,
      acks: -1,
      messages: events.map(({ time, payload, schemaId }) => ({
        partition,
        value: JSON.stringify(payload),
        timestamp: String(time),
        headers: {
          'tributary.event-id': randomUUID(),
          'tributary.stream': stream,
          'tributary.trace-id': randomUUID().replaceAll('-', ''),
          'tributary.producer': 'kafka-client',
          'tributary.received-at': String(time),
          'tributary.event-time': String(time),
          ...(schemaId === undefined ? {} : { 'tributary.schema-id': String(schemaId) }),
        },
      })),
    });
  };
  const rows = async (view: string) => (await gateway.client.request(ViewAggregatesDocument, { view, limit: 100 })).viewAggregates;
  const windowOf = async (view: string, start: number) => (await rows(view)).filter((row) => Date.parse(row.windowStart) === start);
  const processed = async (stream: string) => (await gateway.client.request(ViewsDocument, { stream })).views[0]?.progress;
  const createStreamAndView = async (stream: string, view: string, idleTimeout: string) => {
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, watermarkDelay: '0s', partitions: 3, idleTimeout } });
    await gateway.client.request(CreateViewDocument, { input: { name: view, stream, window: '10s', groupBy: ['page'], measures: [{ name: 'views', fn: 'COUNT', field: null }] } });
  };

  beforeAll(async () => {
    const broker = await kafkaBroker({ version });
    gateway = await startGateway({
      env: { TRIBUTARY_EVENT_LOG: 'kafka', TRIBUTARY_KAFKA_BROKERS: broker.brokers, TRIBUTARY_KAFKA_TOPIC_PREFIX: prefix },
      startTimeoutMs: 120_000,
    });
    producer = new Kafka({ clientId: 'other-producer', brokers: broker.brokers.split(','), logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    await gateway?.stop();
  });

  it('holds windows open for a lagging partition, counts its events, and closes them on the least watermark', async () => {
    const stream = uniqueName('clicks');
    const view = uniqueName('clicks_10s');
    await createStreamAndView(stream, view, '1h');
    await write(stream, 0, [5, 12, 18, 25].map((s) => ({ time: T0 + s * S, payload: { ts: T0 + s * S, page: 'home' } })));
    await write(stream, 1, [{ time: T0 + 2 * S, payload: { ts: T0 + 2 * S, page: 'home' } }]);
    await write(stream, 2, [{ time: T0 + 3 * S, payload: { ts: T0 + 3 * S, page: 'home' } }]);
    await waitFor(async () => (await processed(stream))?.processedEvents === 6, { timeoutMs: 60_000, what: 'the view to fold the first six events' });

    // Partition 1 lags far behind partition 0, but not behind the least watermark: not late.
    await write(stream, 1, [{ time: T0 + 4 * S, payload: { ts: T0 + 4 * S, page: 'home' } }]);
    const first = await waitFor(async () => {
      const [row] = await windowOf(view, T0);
      return row?.eventCount === 4 ? row : undefined;
    }, { timeoutMs: 60_000, what: 'the first window to count the lagging partition’s event' });
    expect(first.final, 'partitions 1 and 2 are at 4 s and 3 s: the first window is still open').toBe(false);

    // Every partition past 25 s: the first two windows close; the third waits for partition 0.
    await write(stream, 1, [{ time: T0 + 30 * S, payload: { ts: T0 + 30 * S, page: 'home' } }]);
    await write(stream, 2, [{ time: T0 + 31 * S, payload: { ts: T0 + 31 * S, page: 'home' } }]);
    await waitFor(async () => {
      const all = await rows(view);
      const final = (start: number) => all.find((row) => Date.parse(row.windowStart) === start)?.final;
      return final(T0) === true && final(T0 + 10 * S) === true && final(T0 + 20 * S) === false;
    }, { timeoutMs: 60_000, what: 'windows to close on the least watermark of the partitions (25 s)' });
    expect((await rows(view)).map((row) => [Date.parse(row.windowStart) - T0, row.eventCount])).toEqual([
      [0, 4],
      [10 * S, 2],
      [20 * S, 1],
      [30 * S, 2],
    ]);
    expect((await processed(stream))?.lateEvents).toBe(0);
  });

  it('stops waiting for partitions that stay silent for the idle timeout, and treats what they send later as late', async () => {
    const stream = uniqueName('taps');
    const view = uniqueName('taps_10s');
    await createStreamAndView(stream, view, '2s');
    await write(stream, 0, [1, 7, 14, 26].map((s) => ({ time: T0 + s * S, payload: { ts: T0 + s * S, page: 'cart' } })));
    // Partitions 1 and 2 never get a record: after 2 s they are idle and partition 0 alone moves time.
    await waitFor(async () => {
      const all = await rows(view);
      return all.length === 3 && all[0].final && all[1].final && !all[2].final;
    }, { timeoutMs: 60_000, what: 'the first two windows to close once partitions 1 and 2 are idle' });

    await write(stream, 1, [{ time: T0 + 3 * S, payload: { ts: T0 + 3 * S, page: 'cart' } }]);
    const late = await waitFor(async () => {
      const found = (await gateway.client.request(LateEventsDocument, { view, limit: 10 })).lateEvents;
      return found.total === 1 ? found : undefined;
    }, { timeoutMs: 60_000, what: 'the event partition 1 sent after its idleness to go to the late side output' });
    expect(late.events[0].payload).toMatchObject({ ts: T0 + 3 * S });
    expect((await windowOf(view, T0))[0].eventCount, 'the closed window keeps its count').toBe(2);
  });

  it('quarantines records without an envelope or against their schema, once each, with the reason, and counts neither', async () => {
    const stream = uniqueName('orders');
    const view = uniqueName('orders_10s');
    await createStreamAndView(stream, view, '1h');
    const registered = await fetch(`${gateway.baseUrl}/schema-registry/subjects/${stream}-value/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'ts', type: 'long' }, { name: 'page', type: 'string' }] }) }),
    });
    expect(registered.status, await registered.clone().text()).toBe(200);
    const { id } = (await registered.json()) as { id: number };

    await write(stream, 0, [{ time: T0, payload: { ts: T0, page: 'checkout' }, schemaId: id }]);
    await producer.send({ topic: `${prefix}events.${stream}`, messages: [{ partition: 1, value: JSON.stringify({ page: 'checkout', note: 'no envelope' }) }] });
    await write(stream, 2, [{ time: T0 + S, payload: { ts: T0 + S, page: 42 }, schemaId: id }]);
    await write(stream, 0, [{ time: T0 + 2 * S, payload: { ts: T0 + 2 * S, page: 'checkout' }, schemaId: id }]);

    const quarantined = await waitFor(async () => {
      const found = (await gateway.client.request(QuarantineDocument, { stream, limit: 10 })).quarantine;
      return found.length === 2 ? found : undefined;
    }, { timeoutMs: 60_000, what: 'the stream guard to quarantine the two bad records' });
    const byCode = Object.fromEntries(quarantined.map((entry) => [entry.code, entry]));
    expect(byCode.NO_ENVELOPE).toMatchObject({ path: 'record', event: { page: 'checkout', note: 'no envelope' } });
    expect(byCode.NO_ENVELOPE.message).toMatch(/log partition 1, offset 0/);
    expect(byCode.SCHEMA_VIOLATION).toMatchObject({ path: 'event.page', producer: 'kafka-client', event: { ts: T0 + S, page: 42 } });
    expect(byCode.SCHEMA_VIOLATION.message).toMatch(new RegExp(`under schema id ${id} \\(log partition 2, offset 0\\)`));

    await waitFor(async () => (await windowOf(view, T0))[0]?.eventCount === 2, { timeoutMs: 60_000, what: 'the view to count the two good events' });
    expect((await rows(view)).reduce((n, row) => n + row.eventCount, 0)).toBe(2);
  });
}
