// GraphQL calls the benchmarks make against a gateway child: setup through the product's typed
// client, and the ingest hot path as a pre-serialised POST so the client's own JSON work stays out
// of the measurement.

import { print } from 'graphql';
import { GraphQLClient } from '../src/client/graphql-client';
import { CreateStreamDocument, CreateViewDocument, IngestDocument, type CreateViewInput } from '../src/client/generated/graphql';

export const PRODUCER = 'tributary-bench';
const INGEST_QUERY = print(IngestDocument);

export function benchClient(graphqlUrl: string): GraphQLClient {
  return new GraphQLClient(graphqlUrl, { producer: PRODUCER });
}

export async function createStream(client: GraphQLClient, name: string, watermarkDelay?: string): Promise<void> {
  await client.request(CreateStreamDocument, { input: { name, description: 'benchmark stream', timestampField: 'ts', watermarkDelay } });
}

export async function createView(client: GraphQLClient, input: CreateViewInput): Promise<void> {
  await client.request(CreateViewDocument, { input });
}

/** The JSON body of one ingest mutation. */
export function ingestBody(stream: string, events: readonly unknown[]): string {
  return JSON.stringify({ query: INGEST_QUERY, variables: { stream, events } });
}

/** Posts a pre-serialised ingest body; resolves with the accepted count, throws on any error. */
export async function postIngest(graphqlUrl: string, body: string, apiKey?: string): Promise<number> {
  const response = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tributary-producer': PRODUCER, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body,
  });
  const text = await response.text();
  const parsed = JSON.parse(text) as { data?: { ingest: { accepted: number; rejected: number } }; errors?: { message: string }[] };
  if (parsed.errors?.length || !parsed.data) throw new Error(`ingest failed (HTTP ${response.status}): ${text.slice(0, 300)}`);
  if (parsed.data.ingest.rejected > 0) throw new Error(`ingest rejected ${parsed.data.ingest.rejected} events: ${text.slice(0, 300)}`);
  return parsed.data.ingest.accepted;
}
