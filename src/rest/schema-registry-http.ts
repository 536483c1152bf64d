// Confluent Schema Registry's REST API, served under a prefix of the gateway's port (by default
// /schema-registry), so tools and clients built for Confluent's registry work against Tributary:
// the same paths, bodies, error codes and content type.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, RequestTooLargeError, sendJson } from '../graphql/http';
import { GatewayError } from '../errors/gateway-error';
import { SCHEMA_TYPES } from '../domain/schemas/schema-text';
import { SchemaRegistryError, type SchemaRegistry, type SchemaVersionInfo } from '../services/schema-registry';

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export interface RegistryRequest {
  method: string;
  /** The path below the prefix, e.g. "/subjects/orders-value/versions". */
  path: string;
  query: URLSearchParams;
  body: unknown;
  actor: string;
}

interface Reply {
  status: number;
  body: unknown;
}

type Handler = (registry: SchemaRegistry, request: RegistryRequest, params: string[]) => Reply | Promise<Reply>;

const ok = (body: unknown): Reply => ({ status: 200, body });
const flag = (query: URLSearchParams, name: string) => query.get(name) === 'true';

/** The body of a version as Confluent shows it: schemaType only when it is not Avro. */
function versionBody(info: SchemaVersionInfo): Record<string, unknown> {
  return { subject: info.subject, version: info.version, id: info.id, ...(info.schemaType === 'AVRO' ? {} : { schemaType: info.schemaType }), schema: info.schema };
}

function schemaInput(body: unknown): { schemaType: string; schema: string } {
  if (typeof body !== 'object' || body === null || typeof (body as { schema?: unknown }).schema !== 'string') {
    throw new SchemaRegistryError(42201, 'INVALID_SCHEMA', 'Invalid schema: the body must be a JSON object with a "schema" string', { path: 'schema' });
  }
  const { schema, schemaType, references } = body as { schema: string; schemaType?: unknown; references?: unknown };
  if (Array.isArray(references) && references.length > 0) {
    throw new SchemaRegistryError(42201, 'INVALID_SCHEMA', 'Invalid schema: schema references are not supported', { path: 'references' });
  }
  return { schema, schemaType: typeof schemaType === 'string' ? schemaType : 'AVRO' };
}

const ROUTES: [method: string, pattern: RegExp, handler: Handler][] = [
  ['GET', /^\/?$/, () => ok({})],
  ['GET', /^\/schemas\/types$/, () => ok([...SCHEMA_TYPES].reverse())],
  ['GET', /^\/subjects$/, (r, q) => ok(r.subjects(flag(q.query, 'deleted')))],
  ['GET', /^\/subjects\/([^/]+)\/versions$/, (r, q, [s]) => ok(r.versions(s, flag(q.query, 'deleted')))],
  [
    'POST',
    /^\/subjects\/([^/]+)\/versions$/,
    async (r, q, [s]) => {
      const { schemaType, schema } = schemaInput(q.body);
      return ok({ id: (await r.register(s, schemaType, schema, q.actor)).id });
    },
  ],
  ['GET', /^\/subjects\/([^/]+)\/versions\/([^/]+)$/, (r, q, [s, v]) => ok(versionBody(r.version(s, v, flag(q.query, 'deleted'))))],
  ['GET', /^\/subjects\/([^/]+)\/versions\/([^/]+)\/schema$/, (r, q, [s, v]) => ok(JSON.parse(r.version(s, v, flag(q.query, 'deleted')).schema))],
  ['DELETE', /^\/subjects\/([^/]+)\/versions\/([^/]+)$/, async (r, q, [s, v]) => ok(await r.deleteVersion(s, v, flag(q.query, 'permanent'), q.actor))],
  [
    'POST',
    /^\/subjects\/([^/]+)$/,
    (r, q, [s]) => {
      const { schemaType, schema } = schemaInput(q.body);
      return ok(versionBody(r.lookup(s, schemaType, schema)));
    },
  ],
  ['DELETE', /^\/subjects\/([^/]+)$/, async (r, q, [s]) => ok(await r.deleteSubject(s, flag(q.query, 'permanent'), q.actor))],
  [
    'GET',
    /^\/schemas\/ids\/([^/]+)$/,
    (r, _q, [id]) => {
      const found = r.schemaById(Number(id));
      return ok({ ...(found.schemaType === 'AVRO' ? {} : { schemaType: found.schemaType }), schema: found.schema });
    },
  ],
  ['GET', /^\/schemas\/ids\/([^/]+)\/schema$/, (r, _q, [id]) => ok(JSON.parse(r.schemaById(Number(id)).schema))],
  ['GET', /^\/schemas\/ids\/([^/]+)\/versions$/, (r, _q, [id]) => ok(r.subjectVersionsOf(Number(id)))],
  ['POST', /^\/compatibility\/subjects\/([^/]+)\/versions(?:\/([^/]+))?$/, (r, q, [s, v]) => compatibility(r, q, s, v)],
  ['GET', /^\/config$/, (r) => ok({ compatibilityLevel: r.compatibility(null) })],
  ['PUT', /^\/config$/, async (r, q) => ok({ compatibility: await setMode(r, q, null) })],
  ['DELETE', /^\/config$/, async (r, q) => ok({ compatibilityLevel: await r.setCompatibility(null, null, q.actor) })],
  ['GET', /^\/config\/([^/]+)$/, (r, q, [s]) => ok({ compatibilityLevel: r.compatibility(s, flag(q.query, 'defaultToGlobal')) })],
  ['PUT', /^\/config\/([^/]+)$/, async (r, q, [s]) => ok({ compatibility: await setMode(r, q, s) })],
  ['DELETE', /^\/config\/([^/]+)$/, async (r, q, [s]) => ok({ compatibilityLevel: await r.setCompatibility(s, null, q.actor) })],
];

function compatibility(registry: SchemaRegistry, request: RegistryRequest, subject: string, version: string | undefined): Reply {
  const { schemaType, schema } = schemaInput(request.body);
  const report = registry.checkCompatibility(subject, version, schemaType, schema);
  return ok({ is_compatible: report.compatible, ...(flag(request.query, 'verbose') ? { messages: report.issues.map((issue) => issue.description) } : {}) });
}

async function setMode(registry: SchemaRegistry, request: RegistryRequest, subject: string | null): Promise<unknown> {
  const mode = (request.body as { compatibility?: unknown } | null)?.compatibility;
  await registry.setCompatibility(subject, mode ?? undefined, request.actor);
  return mode;
}

/** Runs one request against the registry and says what to answer; never throws for a refusal. */
export async function routeRegistryRequest(registry: SchemaRegistry, request: RegistryRequest): Promise<Reply> {
  const matching = ROUTES.filter(([, pattern]) => pattern.test(request.path));
  if (matching.length === 0) return { status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } };
  const route = matching.find(([method]) => method === request.method);
  if (!route) return { status: 405, body: { error_code: 405, message: 'HTTP 405 Method Not Allowed' } };
  const [, pattern, handler] = route;
  try {
    const params = (pattern.exec(request.path) ?? []).slice(1).map((param) => (param === undefined ? undefined : decodeURIComponent(param))) as string[];
    return await handler(registry, request, params);
  } catch (error) {
    if (error instanceof SchemaRegistryError) return { status: error.httpStatus, body: { error_code: error.errorCode, message: error.message } };
    if (error instanceof GatewayError && error.retriable) return { status: 500, body: { error_code: 50001, message: error.message } };
    if (error instanceof URIError) return { status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } };
    throw error;
  }
}

/** Serves one HTTP request whose path starts with `prefix`. */
export async function handleRegistryHttp(
  registry: SchemaRegistry,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  prefix: string,
  options: { maxBodyBytes: number; actor: string },
): Promise<void> {
  let body: unknown = null;
  const method = req.method ?? 'GET';
  if (method === 'POST' || method === 'PUT') {
    try {
      const text = await readBody(req, options.maxBodyBytes);
      body = text.trim() === '' ? null : JSON.parse(text);
    } catch (error) {
      const tooLarge = error instanceof RequestTooLargeError;
      return sendJson(res, tooLarge ? 413 : 400, { error_code: tooLarge ? 413 : 400, message: tooLarge ? error.message : 'the request body is not valid JSON' }, CONTENT_TYPE);
    }
  }
  const reply = await routeRegistryRequest(registry, { method, path: url.pathname.slice(prefix.length) || '/', query: url.searchParams, body, actor: options.actor });
  sendJson(res, reply.status, reply.body, CONTENT_TYPE);
}
