// The one place errors become GraphQL errors: a GatewayError keeps its code, the input field it
// names and the rule it broke; anything unexpected is logged in full and masked for the client,
// who gets a code and the request id to quote (also sent as the x-request-id response header).

import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { GatewayError } from '../../errors/gateway-error';
import type { Logger } from '../../observability/logger';

export function gatewayErrorExtensions(error: GatewayError): Record<string, unknown> {
  return {
    code: error.code,
    retriable: error.retriable,
    ...(error.path === undefined ? {} : { field: error.path }),
    ...(error.details ?? {}),
  };
}

/** The request being served, for the code that formats its errors. */
export const requestScope = new AsyncLocalStorage<{ requestId: string }>();

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's own x-request-id when it is sane, else a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const given = Array.isArray(header) ? header[0] : header;
  return given && REQUEST_ID.test(given) ? given : randomBytes(8).toString('hex');
}

/** Longest error message sent: a message quoting a huge input value is cut, not echoed whole. */
const MAX_MESSAGE_CHARS = 1_000;

function shortened(message: string): string {
  return message.length <= MAX_MESSAGE_CHARS ? message : `${message.slice(0, MAX_MESSAGE_CHARS)}… (${message.length - MAX_MESSAGE_CHARS} more characters)`;
}

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const requestId = requestScope.getStore()?.requestId;
    if (original instanceof GatewayError) {
      if (original.code === 'INTERNAL') logger.error({ err: original, requestId }, 'internal error');
      const extensions = gatewayErrorExtensions(original);
      return { ...formatted, message: shortened(original.message), extensions: original.code === 'INTERNAL' && requestId ? { ...extensions, requestId } : extensions };
    }
    // Parse, validation and variable errors carry no foreign cause: they are the client's to see.
    if (original instanceof GraphQLError || original === undefined) return { ...formatted, message: shortened(formatted.message) };
    logger.error({ err: original, path: formatted.path, requestId }, 'unexpected error in a resolver');
    return {
      message: requestId ? `Internal server error (request ${requestId})` : 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...(requestId ? { requestId } : {}) },
    };
  };
}
