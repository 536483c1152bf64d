import { GraphQLError } from 'graphql';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error';
import { createErrorFormatter, requestIdFrom, requestScope } from '../../src/graphql/plugins/error-masking';

describe('error masking', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  const format = createErrorFormatter(logger);

  it('masks an unexpected error for the client, with the request id, and logs it in full under that id', () => {
    const secret = new Error('connection string postgres://admin:hunter2@db failed');
    const formatted = requestScope.run({ requestId: 'req-42' }, () => format({ message: secret.message, path: ['streams'] }, new GraphQLError(secret.message, { originalError: secret, path: ['streams'] })));
    expect(formatted).toEqual({ message: 'Internal server error (request req-42)', path: ['streams'], locations: undefined, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-42' } });
    expect(JSON.stringify(formatted)).not.toContain('hunter2');
    expect(lines.at(-1)).toMatchObject({ requestId: 'req-42', msg: 'unexpected error in a resolver', err: { message: secret.message } });
  });

  it('keeps a GatewayError\'s code and field, and cuts a very long message', () => {
    const formatted = format({ message: 'x' }, new GraphQLError('x', { path: ['ingest'], originalError: new GatewayError('UNKNOWN_STREAM', `stream "${'s'.repeat(5_000)}" does not exist`, { path: 'stream' }) }));
    expect(formatted.extensions).toEqual({ code: 'UNKNOWN_STREAM', retriable: false, field: 'stream' });
    expect(formatted.message.length).toBeLessThan(1_100);
    expect(formatted.message).toMatch(/… \(\d+ more characters\)$/);
  });

  it('takes a sane x-request-id from the caller and makes one up otherwise', () => {
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    expect(requestIdFrom('bad id with spaces')).toMatch(/^[0-9a-f]{16}$/);
    expect(requestIdFrom(undefined)).toMatch(/^[0-9a-f]{16}$/);
  });
});
