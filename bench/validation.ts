// What schema validation costs at ingest: the same order events through the GraphQL mutation into a
// stream without a schema (the baseline, same run, same gateway), one governed by a JSON Schema and
// one governed by an Avro schema. Runs alternate, so a drift of the machine hits all three alike.

import { eventValidator } from '../src/domain/schemas/event-validator';
import { parseSchema } from '../src/domain/schemas/schema-text';
import { closedLoop, makePool, type Run } from './ingest';
import { withGateway, type GatewayOptions } from './gateway';
import { benchClient, createStream, ingestBody, postIngest } from './graphql';
import { elapsedMs, formatNumber, measurement, printRows, type BenchResult } from './report';

const RUN_MS = 4_000;
const MAX_BATCHES = 400;
const ROUNDS = 2;

const STRING = { type: 'string' };
export const ORDER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    ts: { type: 'integer' },
    orderId: { type: 'string', pattern: '^o-' },
    userId: STRING,
    sessionId: STRING,
    country: { type: 'string', minLength: 2, maxLength: 2 },
    device: { enum: ['ios', 'android', 'web-desktop', 'web-mobile'] },
    category: STRING,
    sku: STRING,
    quantity: { type: 'integer', minimum: 1 },
    amount: { type: 'number', minimum: 0 },
    latencyMs: { type: 'integer', minimum: 0 },
    coupon: { type: ['string', 'null'] },
  },
  required: ['ts', 'orderId', 'userId', 'country', 'quantity', 'amount'],
  additionalProperties: false,
};
export const ORDER_AVRO_SCHEMA = {
  type: 'record',
  name: 'Order',
  namespace: 'bench',
  fields: [
    { name: 'ts', type: 'long' },
    { name: 'orderId', type: 'string' },
    { name: 'userId', type: 'string' },
    { name: 'sessionId', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'device', type: { type: 'enum', name: 'Device', symbols: ['ios', 'android', 'web_desktop', 'web_mobile', 'other'], default: 'other' } },
    { name: 'category', type: 'string' },
    { name: 'sku', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'amount', type: 'double' },
    { name: 'latencyMs', type: 'int' },
    { name: 'coupon', type: ['null', 'string'], default: null },
  ],
};

async function register(graphqlUrl: string, subject: string, schema: unknown, schemaType: 'JSON' | 'AVRO'): Promise<void> {
  const response = await fetch(new URL(`/schema-registry/subjects/${subject}/versions`, graphqlUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schema: JSON.stringify(schema), schemaType }),
  });
  if (!response.ok) throw new Error(`registering ${subject} failed: ${await response.text()}`);
}

/** Events per second one validator checks, in-process: the validation work alone. */
function validatorRate(schemaType: 'JSON' | 'AVRO', schema: unknown, events: readonly unknown[]): number {
  const validate = eventValidator(parseSchema(schemaType, JSON.stringify(schema)));
  for (const event of events) validate(event);
  const started = process.hrtime.bigint();
  let checked = 0;
  while (elapsedMs(started) < 1_000) {
    for (const event of events) if (validate(event).length > 0) throw new Error(`bench event invalid under ${schemaType}: ${JSON.stringify(validate(event))}`);
    checked += events.length;
  }
  return (checked / elapsedMs(started)) * 1000;
}

export async function runValidationBench(options: { gateway?: GatewayOptions } = {}): Promise<BenchResult> {
  // Avro enum symbols cannot hold "-": the Avro stream gets the device names it can name.
  const pool = makePool();
  const avroPool = pool.map((batch) => batch.map((event) => ({ ...event, device: event.device.replace('-', '_') })));
  const flat = pool.flat().slice(0, 10_000);
  const rates = {
    json: validatorRate('JSON', ORDER_JSON_SCHEMA, flat),
    avro: validatorRate('AVRO', ORDER_AVRO_SCHEMA, avroPool.flat().slice(0, 10_000)),
  };
  const runs = await withGateway(options.gateway ?? {}, async (gateway) => {
    const client = benchClient(gateway.graphqlUrl);
    for (const name of ['bench_plain', 'bench_json', 'bench_avro']) await createStream(client, name);
    await register(gateway.graphqlUrl, 'bench_json-value', ORDER_JSON_SCHEMA, 'JSON');
    await register(gateway.graphqlUrl, 'bench_avro-value', ORDER_AVRO_SCHEMA, 'AVRO');
    const bodies = {
      plain: pool.map((batch) => ingestBody('bench_plain', batch)),
      json: pool.map((batch) => ingestBody('bench_json', batch)),
      avro: avroPool.map((batch) => ingestBody('bench_avro', batch)),
    };
    const send = (list: string[]) => (i: number) => postIngest(gateway.graphqlUrl, list[i % list.length]);
    for (const list of Object.values(bodies)) await closedLoop(send(list), Infinity, 10); // warm-up
    const best: Record<keyof typeof bodies, Run | undefined> = { plain: undefined, json: undefined, avro: undefined };
    for (let round = 0; round < ROUNDS; round++) {
      for (const key of Object.keys(bodies) as (keyof typeof bodies)[]) {
        const run = await closedLoop(send(bodies[key]), RUN_MS, MAX_BATCHES);
        if (!best[key] || run.events / run.ms > best[key]!.events / best[key]!.ms) best[key] = run;
      }
    }
    return best as Record<keyof typeof bodies, Run>;
  });
  const rate = (run: Run) => (run.events / run.ms) * 1000;
  const plain = rate(runs.plain);
  const json = rate(runs.json);
  const avro = rate(runs.avro);
  printRows([
    ['validator alone, JSON Schema (ajv, compiled once)', `${formatNumber(rates.json)} events/s`],
    ['validator alone, Avro (avsc)', `${formatNumber(rates.avro)} events/s`],
    ['gateway, stream without a schema (baseline)', `${formatNumber(plain)} events/s`],
    ['gateway, stream with a JSON Schema', `${formatNumber(json)} events/s (ratio ${formatNumber(json / plain, 2)})`],
    ['gateway, stream with an Avro schema', `${formatNumber(avro)} events/s (ratio ${formatNumber(avro / plain, 2)})`],
  ]);
  return {
    name: 'validation',
    measurements: [
      measurement('ingest, no schema', plain, 'events/s'),
      measurement('ingest, JSON Schema', json, 'events/s'),
      measurement('ingest, Avro schema', avro, 'events/s'),
      measurement('JSON Schema / no schema', json / plain, 'ratio', { kind: 'min', value: 0.7 }),
      measurement('Avro / no schema', avro / plain, 'ratio', { kind: 'min', value: 0.7 }),
    ],
    notes: [],
  };
}
