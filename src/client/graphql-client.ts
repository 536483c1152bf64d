// A small typed GraphQL-over-HTTP client for the CLI, the tests and the benchmarks, driven by the
// documents generated from schema/operations/.

import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string; field?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly errors: GraphQLErrorPayload[],
    readonly status: number,
  ) {
    super(errors.map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message)).join('; '));
    this.name = 'GraphQLRequestError';
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** The Authorization header for an API key, or none. */
export function bearer(apiKey: string | undefined): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

export interface ClientOptions {
  producer?: string;
  headers?: Record<string, string>;
}

export class GraphQLClient {
  private readonly printed = new WeakMap<object, string>();

  constructor(
    readonly url: string,
    private readonly options: ClientOptions = {},
  ) {}

  async request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    let query = this.printed.get(document);
    if (query === undefined) this.printed.set(document, (query = print(document)));
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.producer ? { 'x-tributary-producer': this.options.producer } : {}),
        ...this.options.headers,
      },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    let body: { data?: R | null; errors?: GraphQLErrorPayload[] };
    try {
      body = JSON.parse(text);
    } catch {
      throw new GraphQLRequestError([{ message: `HTTP ${response.status}: ${text.slice(0, 200)}` }], response.status);
    }
    if (body.errors?.length) throw new GraphQLRequestError(body.errors, response.status);
    if (!body.data) throw new GraphQLRequestError([{ message: `HTTP ${response.status} without data` }], response.status);
    return body.data;
  }
}
