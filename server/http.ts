import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import getRawBody from 'raw-body';
import { WebSocketServer } from 'ws';
import { renderMetrics } from '../core/metrics/metrics.js';
import { isConsolePath, serveConsole } from './console/console-route.js';
import { getLogger } from '../core/logger.js';
import { AuthenticationError } from './auth/errors.js';
import type { GatewaySecurity } from './auth/gateway-security.js';
import { principalLogFields, type Principal } from './auth/principal.js';
import { rateLimitedError } from './auth/yoga-plugins.js';
import { isSharedResult } from './sync-events/shared-results.js';
import { SplicedPayload, SplicingWebSocket, splicingReplacer } from './sync-events/spliced-frames.js';
import type { GatewayYoga } from './yoga.js';

const log = getLogger('auth');

/** graphql-ws close codes (the HTTP statuses plus 4000, as graphql-ws's own 4403). */
export const WS_CLOSE = { unauthorized: 4401, tooManyRequests: 4429 } as const;

export interface GatewayHttpServer {
  server: http.Server;
  url: string;
  /** Stops accepting connections and closes WebSocket clients; in-flight requests finish. */
  close(): Promise<void>;
}

/**
 * Serves the yoga instance over HTTP (queries, mutations, SSE subscriptions, GraphiQL) and
 * graphql-ws over WebSocket on the same path, and the sync console's page (/console).
 */
export async function listenGateway(
  yoga: GatewayYoga,
  security: GatewaySecurity,
  options: { port: number; host: string; maxBodyBytes: number },
): Promise<GatewayHttpServer> {
  const server = http.createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/metrics') return void serveMetrics(response);
    if (request.method === 'GET' && isConsolePath(request.url)) return void serveConsole(request, response, security);
    void readBodyWithin(request, response, options.maxBodyBytes).then((complete) => {
      if (complete) void yoga.requestListener(request, response);
    });
  });

  const wsServer = new WebSocketServer({
    server,
    path: yoga.graphqlEndpoint,
    maxPayload: options.maxBodyBytes,
    // Splices a payload serialised once per selection into each subscriber's frame (spliced-frames.ts).
    WebSocket: SplicingWebSocket,
    // A page from a foreign origin cannot open the socket (browsers send Origin on every upgrade).
    verifyClient: ({ origin }, done) => {
      if (security.origins.allows(origin)) return done(true);
      log.warn({ origin, transport: 'ws' }, 'WebSocket from a foreign origin refused');
      done(false, 403, 'origin not allowed');
    },
  });
  const wsCleanup = useServer<Record<string, unknown>, { principal?: Principal }>(
    {
      // The credential: connectionParams.authorization (browsers cannot set headers on a
      // WebSocket), else the upgrade request's Authorization header. Refused: close 4401.
      onConnect: async (ctx) => {
        const fromParams = ctx.connectionParams?.authorization;
        const authorization = typeof fromParams === 'string' ? fromParams : ctx.extra.request.headers.authorization;
        const { socket } = ctx.extra;
        let principal: Principal;
        try {
          principal = await security.authenticate(authorization);
        } catch (error) {
          if (!(error instanceof AuthenticationError)) throw error;
          log.warn({ reason: error.reason, transport: 'ws' }, 'WebSocket refused: no valid credential');
          socket.close(WS_CLOSE.unauthorized, 'Unauthorized');
          return false;
        }
        if (security.rateLimit.take(principal.id) > 0) {
          socket.close(WS_CLOSE.tooManyRequests, 'Too many requests');
          return false;
        }
        ctx.extra.principal = principal;
        closeWhenExpired(socket, principal);
        return true;
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      // A result shared by every subscriber of its selection goes out as its cached JSON text,
      // behind this frame's own id (server/sync-events/spliced-frames.ts); others as graphql-ws writes them.
      onNext: (_ctx, _id, _payload, _args, result) => (isSharedResult(result) && !result.errors ? (new SplicedPayload(result) as never) : undefined),
      jsonMessageReplacer: splicingReplacer,
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const principal = ctx.extra.principal!;
        const wait = security.rateLimit.take(principal.id);
        if (wait > 0) {
          log.warn({ ...principalLogFields(principal), retryAfter: wait, transport: 'ws' }, 'operation refused: rate limit');
          return [rateLimitedError(wait)];
        }
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params, principal });
        const args = {
          schema: enveloped.schema,
          operationName: params.operationName,
          document: enveloped.parse(params.query),
          variableValues: params.variables,
          contextValue: await enveloped.contextFactory(),
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe } satisfies EnvelopedRoot,
        };
        const errors = enveloped.validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve) => server.listen(options.port, options.host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${options.host}:${port}${yoga.graphqlEndpoint}`,
    async close() {
      await wsCleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Reads the request body (raw-body, as express does) and stops at `limit` bytes while it streams,
 * whatever Content-Length says or whether the body is chunked: 413 and the connection closed.
 * The body is then handed to yoga as a Buffer (whatwg-node's node adapter takes `request.body`).
 */
async function readBodyWithin(request: http.IncomingMessage, response: http.ServerResponse, limit: number): Promise<boolean> {
  const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
  if (!hasBody) return true;
  try {
    const body = await getRawBody(request, { limit, length: request.headers['content-length'] });
    Object.assign(request, { body });
    return true;
  } catch (error) {
    const status = (error as { status?: number }).status ?? 400;
    const tooLarge = status === 413;
    response.writeHead(tooLarge ? 413 : 400, { 'content-type': 'application/json', connection: 'close' });
    response.end(
      JSON.stringify({
        errors: [
          tooLarge
            ? { message: `request body over ${limit} bytes`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }
            : { message: 'request body could not be read', extensions: { code: 'BAD_REQUEST' } },
        ],
      }),
    );
    return false;
  }
}

/** Prometheus text (no credential: no metric carries personal data; core/metrics/metrics.ts). */
async function serveMetrics(response: http.ServerResponse): Promise<void> {
  const { contentType, body } = await renderMetrics();
  response.writeHead(200, { 'content-type': contentType });
  response.end(body);
}

/** A JWT's WebSocket ends when the token does (4401), rather than outliving it. */
function closeWhenExpired(socket: import('ws').WebSocket, principal: Principal): void {
  if (!principal.expiresAt) return;
  const delay = Math.min(Math.max(principal.expiresAt.getTime() - Date.now(), 0), 2 ** 31 - 1);
  const timer = setTimeout(() => socket.close(WS_CLOSE.unauthorized, 'Credential expired'), delay);
  socket.once('close', () => clearTimeout(timer));
}

/** The enveloped execute/subscribe of one operation, carried to graphql-ws in rootValue. */
interface EnvelopedRoot {
  execute: NonNullable<ServerOptions['execute']>;
  subscribe: NonNullable<ServerOptions['subscribe']>;
}
