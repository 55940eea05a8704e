import { createYoga, maskError as defaultMask, type GraphiQLOptions, type YogaServerInstance } from 'graphql-yoga';
import { getLogger } from '../core/logger.js';
import type { GatewaySecurity } from './auth/gateway-security.js';
import { isLocalHostHeader } from './auth/origins.js';
import type { Principal } from './auth/principal.js';
import { useProductionHardening } from './auth/production-hardening.js';
import { useAuditLog, useAuthentication, useOriginCheck, useSubscriptionCaps } from './auth/yoga-plugins.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { GRAPHIQL_DEFAULT_QUERY } from './graphiql/default-query.js';
import { useClientErrorCodes } from './schema/client-errors.js';
import { gatewaySchema } from './schema/index.js';
import { useSharedSubscriptionResults } from './sync-events/shared-results.js';

const log = getLogger('graphql');

/** The server context: graphql-ws passes the principal it authenticated in onConnect; HTTP gets it from useAuthentication. */
export interface GatewayServerContext extends Record<string, unknown> {
  principal?: Principal;
}

export type GatewayYoga = YogaServerInstance<GatewayServerContext, GatewayContext>;

/** The GraphQL server without a port: tests call yoga.fetch(), server/http.ts serves it. */
export function createGatewayYoga(services: GatewayServices, security: GatewaySecurity): GatewayYoga {
  return createYoga<GatewayServerContext, GatewayContext>({
    schema: gatewaySchema(),
    context: ({ principal }) => {
      // Unreachable through the plugins below (and graphql-ws's onConnect): a guard, not a path.
      if (!principal) throw new Error('operation without an authenticated principal');
      return createContext(services, principal);
    },
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    plugins: [
      useOriginCheck(security),
      useAuthentication(security),
      useSubscriptionCaps(security),
      useAuditLog(),
      useClientErrorCodes(),
      // syncEvents: one execution and one JSON text per event and distinct selection, for all its subscribers.
      useSharedSubscriptionResults(),
      ...(security.playground ? [] : [useProductionHardening()]),
    ],
    // Same-origin pages and the CORS_ORIGINS allowlist (plus localhost in development); any other
    // Origin was already refused by useOriginCheck.
    cors: (request) => {
      const origin = request.headers.get('origin');
      if (!origin || !security.origins.allows(origin)) return false;
      return { origin, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'accept'], exposedHeaders: ['retry-after'], maxAge: 600 };
    },
    // Unexpected errors reach clients as "Unexpected error." (logged here in full), never with a
    // stack, SQL or a remote API's text, whatever NODE_ENV says; typed errors are results, and
    // GraphQLErrors we throw keep their message and extensions.code (Pothos's argument errors get
    // BAD_USER_INPUT from useClientErrorCodes).
    maskedErrors: {
      isDev: false,
      maskError: (error, message) => {
        const masked = defaultMask(error, message, false);
        if (masked.message === message) log.error({ err: error }, 'unexpected error while executing an operation');
        return masked;
      },
    },
    // GraphiQL's assets come from the gateway itself: no CDN (many networks cannot reach one).
    renderGraphiQL: renderGraphiQLLazily,
    graphiql: security.playground ? (request) => graphiqlOptions(security, request) : false,
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
  });
}

/**
 * GraphiQL's page, its renderer imported on the first request for it: the module embeds GraphiQL's
 * whole bundle as a string constant (about 10 MB, plus its 18 MB source text that V8 keeps), ~30 MB
 * of heap that a production gateway, where the playground is off, never needs.
 */
async function renderGraphiQLLazily(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}

/**
 * GraphiQL loads without a key; its requests need one. With the development key, it opens with
 * that key in its headers and in its WebSocket connectionParams (browsers cannot set headers on a
 * WebSocket, and GraphiQL does not copy its header editor into connection_init) — but only when
 * the page is asked for by a localhost name, so a DNS-rebinding page cannot read the key.
 */
function graphiqlOptions(security: GatewaySecurity, request: Request): GraphiQLOptions & { connectionParams?: Record<string, string> } {
  const options = { title: 'catalog-gateway', subscriptionsProtocol: 'WS', defaultQuery: GRAPHIQL_DEFAULT_QUERY } as const;
  const token = security.developmentKey?.token;
  if (!token || !isLocalHostHeader(request.headers.get('host'))) return options;
  const authorization = `Bearer ${token}`;
  return { ...options, headers: JSON.stringify({ Authorization: authorization }, null, 2), connectionParams: { authorization } };
}
