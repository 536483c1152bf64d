// What authentication and authorization cost at ingest: the same batches through the GraphQL mutation
// of a gateway that requires API keys (a producer key, checked against a page of ACL rules on every
// request) and of one with authentication off, measured alternately in the same run.

import { GraphQLClient } from '../src/client/graphql-client';
import { CreateApiKeyDocument, PutAclDocument } from '../src/client/generated/graphql';
import { closedLoop, makePool, type Run } from './ingest';
import { startGateway, type Gateway } from './gateway';
import { createStream, ingestBody, postIngest } from './graphql';
import { formatNumber, measurement, printRows, type BenchResult } from './report';

const RUN_MS = 4_000;
const MAX_BATCHES = 400;
const ROUNDS = 2;
const STREAM = 'bench_auth';
/** ACL rules on other streams, so every check walks a realistic list. */
const OTHER_RULES = 50;

async function keyedProducer(gateway: Gateway): Promise<string> {
  const admin = new GraphQLClient(gateway.graphqlUrl, { headers: { authorization: `Bearer ${gateway.adminKey}` } });
  const made = (await admin.request(CreateApiKeyDocument, { name: 'bench-producer', roles: ['producer'] })).createApiKey;
  for (let i = 0; i < OTHER_RULES; i++) {
    await admin.request(PutAclDocument, { input: { principal: `key:${made.key.id}`, resourceType: 'STREAM', patternType: 'PREFIXED', resource: `other_${i}`, operation: 'produce', permission: 'DENY' } });
  }
  await createStream(admin, STREAM);
  return made.token;
}

export async function runAuthBench(): Promise<BenchResult> {
  const pool = makePool();
  const bodies = pool.map((batch) => ingestBody(STREAM, batch));
  // Limits far above what the benchmark sends: it measures the checks, not the limiter refusing.
  const secured = await startGateway({ env: { TRIBUTARY_AUTH: 'required', TRIBUTARY_RATE_LIMITS: 'producer=1000000:1000000' } });
  const open = await startGateway({ env: { TRIBUTARY_AUTH: 'off' } });
  try {
    const token = await keyedProducer(secured);
    await createStream(new GraphQLClient(open.graphqlUrl), STREAM);
    const send = (gateway: Gateway, key?: string) => (i: number) => postIngest(gateway.graphqlUrl, bodies[i % bodies.length], key);
    await closedLoop(send(secured, token), Infinity, 10);
    await closedLoop(send(open), Infinity, 10);
    const best: { on?: Run; off?: Run } = {};
    const faster = (a: Run | undefined, b: Run) => (!a || b.events / b.ms > a.events / a.ms ? b : a);
    for (let round = 0; round < ROUNDS; round++) {
      best.off = faster(best.off, await closedLoop(send(open), RUN_MS, MAX_BATCHES));
      best.on = faster(best.on, await closedLoop(send(secured, token), RUN_MS, MAX_BATCHES));
    }
    const rate = (run: Run) => (run.events / run.ms) * 1000;
    const on = rate(best.on!);
    const off = rate(best.off!);
    printRows([
      ['ingest, authentication off', `${formatNumber(off)} events/s`],
      [`ingest, producer key + ${OTHER_RULES} ACL rules checked per request`, `${formatNumber(on)} events/s`],
      ['ratio on / off', formatNumber(on / off, 2)],
    ]);
    return {
      name: 'auth',
      measurements: [
        measurement('ingest, auth off', off, 'events/s'),
        measurement('ingest, auth on', on, 'events/s'),
        measurement('auth on / off', on / off, 'ratio', { kind: 'min', value: 0.9 }),
      ],
      notes: [],
    };
  } finally {
    await Promise.all([secured.stop(), open.stop()]);
  }
}
