// The one place errors become GraphQL errors: a GatewayError keeps its code, the input field it
// names and the rule it broke; anything unexpected is logged in full and masked for the client.

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

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof GatewayError) {
      if (original.code === 'INTERNAL') logger.error({ err: original }, 'internal error');
      return { ...formatted, message: original.message, extensions: gatewayErrorExtensions(original) };
    }
    // Parse, validation and variable errors carry no foreign cause: they are the client's to see.
    if (original instanceof GraphQLError || original === undefined) return formatted;
    logger.error({ err: original, path: formatted.path }, 'unexpected error in a resolver');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}
