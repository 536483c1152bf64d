// One event stamped far in the future would drag the watermark past every window; the gateway
// refuses such events at ingest (as Kafka brokers do with log.message.timestamp.after.max.ms).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateStreamDocument, IngestDocument, QuarantineDocument } from '../../src/client/generated/graphql';
import { startGateway, type GatewayProcess } from '../helpers/gateway-process';
import { uniqueName } from '../helpers/temp-dir';

describe('event times ahead of the clock', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await startGateway({ env: { TRIBUTARY_MAX_EVENT_TIME_AHEAD_MS: '60000' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses an event more than the allowed skew ahead, naming the field, and keeps the rest', async () => {
    const stream = uniqueName('future');
    await gateway.client.request(CreateStreamDocument, { input: { name: stream, timestampField: 'at' } });
    const now = Date.now();
    const { ingest } = await gateway.client.request(IngestDocument, {
      stream,
      events: [{ at: now }, { at: now + 30_000 }, { at: '9999-12-31T23:59:59Z' }, { at: now - 86_400_000 * 365 }],
    });
    expect(ingest).toMatchObject({ accepted: 3, rejected: 1 });
    expect(ingest.errors).toEqual([expect.objectContaining({ index: 2, code: 'TIMESTAMP_IN_FUTURE', path: 'events[2].at' })]);
    expect(ingest.errors[0].message).toMatch(/ahead of the gateway's clock; the limit is 60s/);
    const { quarantine } = await gateway.client.request(QuarantineDocument, { stream });
    expect(quarantine).toEqual([expect.objectContaining({ code: 'TIMESTAMP_IN_FUTURE', event: { at: '9999-12-31T23:59:59Z' } })]);
  });
});
