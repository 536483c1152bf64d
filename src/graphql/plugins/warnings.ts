// Puts the warnings a request collected in its context (e.g. a DEPRECATED schema version used at
// ingest) into the response's `extensions.warnings`, where GraphQL clients look for them.

import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLContext } from '../context';

export const warningsInExtensions: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        if (contextValue.warnings.length === 0 || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = { ...result.extensions, warnings: [...contextValue.warnings] };
      },
    };
  },
};
