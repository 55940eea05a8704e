import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, maskError as defaultMask, type YogaServerInstance } from 'graphql-yoga';
import { getLogger } from '../core/logger.js';
import { createContext, type GatewayContext, type GatewayServices } from './context.js';
import { GRAPHIQL_DEFAULT_QUERY } from './graphiql/default-query.js';
import { gatewaySchema } from './schema/index.js';

const log = getLogger('graphql');

export type GatewayYoga = YogaServerInstance<Record<string, unknown>, GatewayContext>;

/** The GraphQL server without a port: tests call yoga.fetch(), server/http.ts serves it. */
export function createGatewayYoga(services: GatewayServices): GatewayYoga {
  return createYoga<Record<string, unknown>, GatewayContext>({
    schema: gatewaySchema(),
    context: () => createContext(services),
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // Unexpected errors reach clients as "Unexpected error." (logged here in full); typed errors
    // are results, and GraphQLErrors we throw keep their message and extensions.code.
    maskedErrors: {
      maskError: (error, message) => {
        const masked = defaultMask(error, message);
        if (masked.message === message) log.error({ err: error }, 'unexpected error while executing an operation');
        return masked;
      },
    },
    // GraphiQL's assets come from the gateway itself: no CDN (many networks cannot reach one).
    renderGraphiQL,
    graphiql: {
      title: 'catalog-gateway',
      subscriptionsProtocol: 'WS',
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
    },
    logging: {
      debug: (...args) => log.debug(args.map(String).join(' ')),
      info: (...args) => log.info(args.map(String).join(' ')),
      warn: (...args) => log.warn(args.map(String).join(' ')),
      error: (...args) => log.error(args.map(String).join(' ')),
    },
  });
}
