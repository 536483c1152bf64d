// Apollo Server on Node's own http module: turns a request into Apollo's HTTPGraphQLRequest and
// writes the response back, so the gateway needs no web framework.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type ContextFunction } from '@apollo/server';

export class RequestTooLargeError extends Error {}
export class InvalidUtf8Error extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Answers with `body` as JSON (in `contentType`, a JSON media type). */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(JSON.stringify(body));
}

/** The whole request body, refused once it passes `maxBytes`. */
export async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new RequestTooLargeError(`request body is over the ${maxBytes}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The whole request body as text; refused when it is not valid UTF-8. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const bytes = await readBytes(req, maxBytes);
  try {
    return utf8.decode(bytes);
  } catch {
    throw new InvalidUtf8Error('request body is not valid UTF-8');
  }
}

export async function handleGraphQLRequest<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  maxBodyBytes: number,
  context: ContextFunction<[], C>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown;
  try {
    const text = await readBody(req, maxBodyBytes);
    body = text.length > 0 && (headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  } catch (error) {
    const tooLarge = error instanceof RequestTooLargeError;
    const message = tooLarge || error instanceof InvalidUtf8Error ? error.message : 'request body is not valid JSON';
    sendJson(res, tooLarge ? 413 : 400, { errors: [{ message, extensions: { code: tooLarge ? 'REQUEST_TOO_LARGE' : 'BAD_REQUEST' } }] });
    return;
  }
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context,
  });
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
