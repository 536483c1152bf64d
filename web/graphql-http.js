// GraphQL queries over HTTP POST, with every failure turned into one error the page can show.

import { authorizationHeaders } from './credentials.js';

export const GRAPHQL_PATH = '/graphql';

/** A failed request: what went wrong in words, plus the gateway's error code when it sent one. */
export class GraphQLRequestError extends Error {
  constructor(message, { code = null, field = null, status = null } = {}) {
    super(message);
    this.name = 'GraphQLRequestError';
    this.code = code;
    this.field = field;
    this.status = status;
  }
}

/** Turns the `errors` of a GraphQL response (HTTP or WebSocket) into one GraphQLRequestError. */
export function errorFromGraphQL(errors, status = null) {
  const list = Array.isArray(errors) ? errors : [errors];
  const first = list[0] ?? {};
  const message = list.map((e) => e?.message ?? 'unknown error').join('; ');
  return new GraphQLRequestError(message, { code: first.extensions?.code ?? null, field: first.extensions?.field ?? null, status });
}

/** Runs `operation` ({ query, operationName }) and resolves with its `data`. */
export async function request(operation, variables = {}) {
  let response;
  try {
    response = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...authorizationHeaders() },
      body: JSON.stringify({ query: operation.query, operationName: operation.operationName, variables }),
    });
  } catch {
    throw new GraphQLRequestError(`Cannot reach the gateway at ${location.origin}${GRAPHQL_PATH}. Is it running?`, { code: 'NETWORK_ERROR' });
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLRequestError(`The gateway answered HTTP ${response.status} ${response.statusText} without a GraphQL response.`, {
      code: `HTTP_${response.status}`,
      status: response.status,
    });
  }
  if (body.errors?.length) throw errorFromGraphQL(body.errors, response.status);
  if (!response.ok || !body.data) {
    throw new GraphQLRequestError(`The gateway answered HTTP ${response.status} without data.`, { code: `HTTP_${response.status}`, status: response.status });
  }
  return body.data;
}
