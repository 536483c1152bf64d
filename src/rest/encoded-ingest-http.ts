// Raw bytes in: `POST /streams/{stream}/messages` with one event in Confluent's wire format as the
// body (application/octet-stream), for producers that already serialise with a Confluent client.
// Answers with the same result as the GraphQL `ingest` mutation, as JSON. An `Idempotency-Key` header
// names the message, as `ingest(idempotencyKey:)` names a batch: sent again, it is counted once.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError } from '../errors/gateway-error';
import { readBytes, RequestTooLargeError, sendJson } from '../graphql/http';
import type { Ingest } from '../services/ingest';

export const ENCODED_INGEST_PATH = /^\/streams\/([^/]+)\/messages$/;

const STATUS: Partial<Record<string, number>> = { UNKNOWN_STREAM: 404, NOT_FOUND: 404, BATCH_TOO_LARGE: 413, OVERLOADED: 503, PROCESSING_BEHIND: 503, STORAGE_UNAVAILABLE: 503, SHUTTING_DOWN: 503 };

export async function handleEncodedIngest(
  ingest: Ingest,
  req: IncomingMessage,
  res: ServerResponse,
  stream: string,
  options: { maxBodyBytes: number; producer: string; traceparent?: string },
): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'BAD_USER_INPUT', message: 'use POST with the message as the body' } });
  let body: Buffer;
  try {
    body = await readBytes(req, options.maxBodyBytes);
  } catch (error) {
    if (error instanceof RequestTooLargeError) return sendJson(res, 413, { error: { code: 'REQUEST_TOO_LARGE', message: error.message } });
    throw error;
  }
  try {
    const idempotencyKey = req.headers['idempotency-key'];
    const result = await ingest.ingestEncoded({
      stream,
      messages: [body],
      producer: options.producer,
      traceparent: options.traceparent,
      idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
    });
    sendJson(res, 200, result);
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    if (typeof error.details?.retryAfterMs === 'number') res.setHeader('retry-after', String(Math.ceil(error.details.retryAfterMs / 1000)));
    sendJson(res, STATUS[error.code] ?? 400, { error: { code: error.code, message: error.message, path: error.path, retriable: error.retriable } });
  }
}
