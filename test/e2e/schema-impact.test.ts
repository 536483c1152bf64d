// Impact analysis: a schema change that removes or retypes a field some view reads is reported with
// the views, from the lineage graph; schema versions appear in lineage, upstream of their stream.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CheckCompatibilityDocument,
  CreateStreamDocument,
  CreateViewDocument,
  LineageDocument,
  ProposeSchemaDocument,
  SetCompatibilityDocument,
} from '../../src/client/generated/graphql';
import { startGateway, waitFor, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

const schema = (fields: Record<string, unknown>) =>
  JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'ts', type: 'long' }, ...Object.entries(fields).map(([name, type]) => ({ name, type }))] });

describe('schema change impact on views', () => {
  let gateway: GatewayProcess;
  const stream = uniqueName('orders');
  const subject = `${stream}-value`;
  const revenue = uniqueName('revenue_by_country');
  const volume = uniqueName('orders_by_country');

  beforeAll(async () => {
    gateway = await startGateway();
    await gateway.client.request(CreateStreamDocument, { input: { name: stream } });
    await gateway.client.request(CreateViewDocument, { input: { name: revenue, stream, window: '1m', groupBy: ['country'], measures: [{ name: 'total', fn: 'SUM', field: 'amount' }] } });
    await gateway.client.request(CreateViewDocument, { input: { name: volume, stream, window: '1m', groupBy: ['country'], measures: [{ name: 'n', fn: 'COUNT' }] } });
    await gateway.client.request(ProposeSchemaDocument, { subject, schema: schema({ country: 'string', amount: 'double', note: 'string' }) });
    await gateway.client.request(SetCompatibilityDocument, { subject, mode: 'NONE' });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('names the views that read a removed or retyped field, before and when the change is made', async () => {
    const next = schema({ country: 'int', amount: 'string' });
    const check = (await gateway.client.request(CheckCompatibilityDocument, { subject, schema: next })).checkCompatibility;
    expect(check.compatible).toBe(true);
    expect(check.warnings).toEqual([
      `this change retypes field "country" (string → int), which views ${[revenue, volume].sort().join(', ')} read (compared with version 1)`,
      `this change retypes field "amount" (double → string), which view ${revenue} reads (compared with version 1)`,
    ]);
    // "note" is removed too, but no view reads it: no warning for it.
    const proposed = (await gateway.client.request(ProposeSchemaDocument, { subject, schema: next })).proposeSchema;
    expect(proposed.version?.version).toBe(2);
    expect(proposed.warnings).toEqual(check.warnings);
  });

  it('puts schema versions in the lineage graph, upstream of the stream and its views', async () => {
    const graph = await waitFor(
      async () => {
        const { lineage } = await gateway.client.request(LineageDocument, { node: `view:${revenue}`, direction: 'UPSTREAM', depth: 4 });
        return lineage.nodes.some((n) => n.id === `schema:${subject}/2`) ? lineage : undefined;
      },
      { timeoutMs: 10_000, what: 'schema versions in lineage' },
    );
    expect(graph.nodes.filter((n) => n.kind === 'schema').map((n) => n.id).sort()).toEqual([`schema:${subject}/1`, `schema:${subject}/2`]);
    expect(graph.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`)).toContain(`schema:${subject}/2 -SHAPES-> stream:${stream}`);
  });
});
