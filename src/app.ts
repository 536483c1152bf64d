// The gateway's network face: GraphQL over HTTP and WebSocket on one port, health, readiness,
// Prometheus metrics and the dashboard's static files. No globals: everything comes in `deps`.

import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as TlsServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ENV_NAMES, type Config } from './config/config';
import { readSettingFile } from './config/setting-files';
import type { ControlOperation, Principal } from './domain/security/authorization';
import { GatewayError } from './errors/gateway-error';
import { auditMatches, resultOf, type AuditEntry } from './domain/audit';
import { callerFromHeaders, credentialOf, credentialOfConnection, originOf, type GraphQLContext, type Services } from './graphql/context';
import { handleGraphQLRequest, sendJson } from './graphql/http';
import { createErrorFormatter, requestIdFrom, requestScope } from './graphql/plugins/error-masking';
import { queryLimitRule } from './graphql/plugins/query-limits';
import { warningsInExtensions } from './graphql/plugins/warnings';
import { createWsEndpoint } from './graphql/ws';
import type { Logger } from './observability/logger';
import { ENCODED_INGEST_PATH, handleEncodedIngest } from './rest/encoded-ingest-http';
import { handleRegistryHttp } from './rest/schema-registry-http';
import type { Metrics } from './observability/metrics';
import type { Origin } from './services/security';

export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AppDeps {
  config: Pick<
    Config,
    'host' | 'port' | 'maxRequestBytes' | 'webDir' | 'operationsDir' | 'schemaRegistryPrefix' | 'maxQueryDepth' | 'maxQueryAliases' | 'maxQueryFields' | 'maxSubscriptionsPerConnection' | 'maxSubscriptionsPerPrincipal' | 'introspection' | 'landingPage' | 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile'
  >;
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  readiness: () => Readiness | Promise<Readiness>;
}

export interface AppUrls {
  graphql: string;
  websocket: string;
  dashboard: string;
}

export interface App {
  start(): Promise<AppUrls>;
  stop(): Promise<void>;
}

const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.graphql': 'application/graphql; charset=utf-8',
};

export function buildApp(deps: AppDeps): App {
  const { config, schema, services, logger, metrics } = deps;
  const formatError = createErrorFormatter(logger);
  // Shutdown is ours (cli/start.ts), and error responses never carry stack traces, whatever NODE_ENV says.
  const limits = queryLimitRule({ maxDepth: config.maxQueryDepth, maxAliases: config.maxQueryAliases, maxFields: config.maxQueryFields });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    formatError,
    validationRules: [limits],
    plugins: [warningsInExtensions, ...(config.landingPage ? [] : [ApolloServerPluginLandingPageDisabled()])],
    introspection: config.introspection,
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
  });
  const contextFor = (req: IncomingMessage, principal: Principal, origin: Origin): GraphQLContext => {
    const caller = callerFromHeaders(req.headers);
    // An authenticated caller is known by its key's name; without authentication, by what it says.
    const producer = principal.id === 'anonymous' ? caller.producer : principal.name;
    return { services, logger, principal, origin, producer, traceparent: caller.traceparent, warnings: [] };
  };
  /**
   * The caller of an HTTP request, admitted by its rate limit; or undefined, with a 401 or 429
   * already sent (its body made by `refuse` from the message and the code).
   */
  const authenticated = async (req: IncomingMessage, origin: Origin, res: ServerResponse, refuse: (message: string, code: string) => unknown): Promise<Principal | undefined> => {
    try {
      const principal = await services.security.authenticate(credentialOf(req.headers), origin);
      services.security.admit(principal);
      return principal;
    } catch (error) {
      if (GatewayError.is(error, 'UNAUTHENTICATED')) {
        res.setHeader('www-authenticate', 'Bearer realm="tributary"');
        sendJson(res, 401, refuse(error.message, error.code));
        return undefined;
      }
      if (GatewayError.is(error, 'RATE_LIMITED')) {
        res.setHeader('retry-after', String(Math.ceil(Number(error.details?.retryAfterMs ?? 1_000) / 1000)));
        sendJson(res, 429, refuse(error.message, error.code));
        return undefined;
      }
      throw error;
    }
  };
  const ws = createWsEndpoint(schema, contextFor, (params, origin) => services.security.authenticate(credentialOfConnection(params), origin), formatError, [limits, ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule])], {
    perConnection: config.maxSubscriptionsPerConnection,
    perPrincipal: config.maxSubscriptionsPerPrincipal,
  });

  // Live connections end when their key is revoked (at once) or expires (within seconds).
  const lapsedConnections = () => ws.closeWhere((principal) => services.security.lapsed(principal));
  services.security.onRevocation(lapsedConnections);
  const expiryTimer = setInterval(lapsedConnections, KEY_EXPIRY_CHECK_MS);
  expiryTimer.unref();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal server error' }));
    });
  };
  const tls = tlsOptions(config);
  const server = tls ? createHttpsServer(tls, handle) : createServer(handle);
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://gateway').pathname === '/graphql') ws.handleUpgrade(req, socket, head);
    else socket.destroy();
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const origin = originOf(req, `${req.method ?? 'GET'} ${url.pathname}`);
    switch (url.pathname) {
      case '/graphql': {
        const requestId = requestIdFrom(req.headers['x-request-id']);
        res.setHeader('x-request-id', requestId);
        // A browser asking for the landing page brings no key; anything it runs is refused.
        const landingPage = req.method === 'GET' && (req.headers.accept ?? '').includes('text/html');
        const principal = landingPage ? NOBODY : await authenticated(req, origin, res, (message, code) => ({ errors: [{ message, extensions: { code, retriable: code === 'RATE_LIMITED' } }] }));
        if (!principal) return;
        return requestScope.run({ requestId }, () => handleGraphQLRequest(apollo, req, res, url, config.maxRequestBytes, async () => contextFor(req, principal, origin)));
      }
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz': {
        const readiness = await deps.readiness();
        return sendJson(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not ready', checks: readiness.checks });
      }
      case '/audit.ndjson': {
        const principal = await authenticated(req, origin, res, (message) => ({ error: message }));
        if (!principal) return;
        if (!permitted(() => services.security.checkControl(principal, 'read_audit', origin), res, (message) => ({ error: message }))) return;
        return serveAuditNdjson(services.catalog.audit(), url, res);
      }
      case '/metrics':
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
        return;
      default: {
        const encoded = ENCODED_INGEST_PATH.exec(url.pathname);
        if (encoded) {
          const principal = await authenticated(req, origin, res, (message, code) => ({ error: { code, message } }));
          if (!principal) return;
          const stream = decodeURIComponent(encoded[1]);
          const forbidden = (message: string) => ({ error: { code: 'FORBIDDEN', message } });
          if (!permitted(() => services.security.checkData(principal, 'STREAM', stream, 'produce', origin), res, forbidden)) return;
          const { producer, traceparent } = contextFor(req, principal, origin);
          return handleEncodedIngest(services.ingest, req, res, stream, { maxBodyBytes: config.maxRequestBytes, producer, traceparent });
        }
        if (url.pathname === config.schemaRegistryPrefix || url.pathname.startsWith(`${config.schemaRegistryPrefix}/`)) {
          const principal = await authenticated(req, origin, res, (message, code) => ({ error_code: code === 'RATE_LIMITED' ? 42901 : 40101, message }));
          if (!principal) return;
          const operation = registryOperation(req.method ?? 'GET', url.pathname.slice(config.schemaRegistryPrefix.length));
          if (!permitted(() => services.security.checkControl(principal, operation, origin), res, (message) => ({ error_code: 40301, message }))) return;
          const { producer } = contextFor(req, principal, origin);
          return handleRegistryHttp(services.schemas, req, res, url, config.schemaRegistryPrefix, { maxBodyBytes: config.maxRequestBytes, actor: producer });
        }
        // The dashboard loads its GraphQL documents from schema/operations/, the same files the CLI
        // and tests are typed from, so there is one copy of each operation.
        if (url.pathname.startsWith('/operations/')) {
          return serveStatic(config.operationsDir, url.pathname.slice('/operations'.length), res);
        }
        return serveStatic(config.webDir, url.pathname, res);
      }
    }
  }

  function serveStatic(dir: string, pathname: string, res: ServerResponse): void {
    const root = path.resolve(dir);
    const file = path.resolve(root, `.${pathname === '/' ? '/index.html' : pathname}`);
    const type = STATIC_TYPES[path.extname(file)];
    if (!dir || !file.startsWith(root + path.sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      return sendJson(res, 404, { error: `no such page: ${pathname}` });
    }
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    createReadStream(file).pipe(res);
  }

  return {
    async start() {
      await apollo.start();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      const [http, ws] = tls ? ['https', 'wss'] : ['http', 'ws'];
      return { graphql: `${http}://${host}:${port}/graphql`, websocket: `${ws}://${host}:${port}/graphql`, dashboard: `${http}://${host}:${port}/` };
    },
    async stop() {
      clearInterval(expiryTimer);
      await ws.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await apollo.stop();
    },
  };
}

/**
 * HTTPS options when a certificate is configured; with a CA, clients must present a certificate it
 * signed (mutual TLS). An unreadable file stops start-up, naming the setting.
 */
function tlsOptions(config: Pick<Config, 'tlsCertFile' | 'tlsKeyFile' | 'tlsCaFile'>): TlsServerOptions | undefined {
  if (config.tlsCertFile === '') return undefined;
  const options: TlsServerOptions = {
    cert: readSettingFile(config.tlsCertFile, ENV_NAMES.tlsCertFile),
    key: readSettingFile(config.tlsKeyFile, ENV_NAMES.tlsKeyFile),
    minVersion: 'TLSv1.2',
  };
  if (config.tlsCaFile !== '') Object.assign(options, { ca: readSettingFile(config.tlsCaFile, ENV_NAMES.tlsCaFile), requestCert: true, rejectUnauthorized: true });
  return options;
}

/** The audit trail as newline-delimited JSON, oldest first, filtered like the auditLog query. */
function serveAuditNdjson(audit: readonly AuditEntry[], url: URL, res: ServerResponse): void {
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const since = param('since');
  const filter = { resource: param('resource'), actor: param('actor'), action: param('action'), result: param('result'), source: param('source'), since: since === undefined ? undefined : Date.parse(since) };
  if (filter.since !== undefined && Number.isNaN(filter.since)) return sendJson(res, 400, { error: `since must be an RFC 3339 time; got ${JSON.stringify(since)}` });
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  for (const entry of audit) {
    if (!auditMatches(entry, filter)) continue;
    const lastAt = entry.lastAt === undefined ? {} : { lastAt: new Date(entry.lastAt).toISOString() };
    res.write(`${JSON.stringify({ ...entry, at: new Date(entry.at).toISOString(), ...lastAt, result: resultOf(entry) })}\n`);
  }
  res.end();
}

/** How often live connections are checked for keys that expired. */
const KEY_EXPIRY_CHECK_MS = 5_000;

/** The caller of a landing-page request: nobody, with no rights. */
const NOBODY: Principal = { id: 'unauthenticated', name: 'unauthenticated', roles: [] };

/** Runs an authorization check; on refusal answers 403 with `body(reason)` and says false. */
function permitted(check: () => void, res: ServerResponse, body: (message: string) => unknown): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (!GatewayError.is(error, 'FORBIDDEN')) throw error;
    sendJson(res, 403, body(error.message));
    return false;
  }
}

/** What a registry REST call needs: reading, registering (stewards), or changing settings and deleting. */
function registryOperation(method: string, path: string): ControlOperation {
  if (method === 'GET') return 'read_catalog';
  if (method === 'POST' && (path.startsWith('/compatibility/') || /^\/subjects\/[^/]+$/.test(path))) return 'read_catalog';
  if (method === 'POST') return 'manage_schemas';
  return 'approve_schemas';
}
