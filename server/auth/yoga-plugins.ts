import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { getLogger } from '../../core/logger.js';
import { AuthenticationError, unauthenticatedGraphQLError } from './errors.js';
import type { GatewaySecurity } from './gateway-security.js';
import { principalLogFields, type Principal } from './principal.js';

// The gateway's request-level security as yoga/envelop plugins. HTTP and SSE pass through all of
// them; graphql-ws authenticates in onConnect (server/http.ts) and then runs the envelop hooks
// (audit log, subscription caps) through the same enveloped execute/subscribe.

const log = getLogger('auth');
const audit = getLogger('audit');

/** What the plugins add to the context: who is calling (set for every executed operation). */
export interface AuthenticatedContext {
  principal: Principal;
}

export function rateLimitedError(retryAfterSeconds: number): GraphQLError {
  return new GraphQLError(`rate limit exceeded: retry in ${retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds, http: { status: 429, headers: { 'retry-after': String(retryAfterSeconds) } } },
  });
}

/** A browser page from an origin not on the allowlist gets 403 before anything else happens. */
export function useOriginCheck(security: GatewaySecurity): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const origin = request.headers.get('origin');
      if (security.origins.allows(origin)) return;
      log.warn({ origin, path: new URL(request.url).pathname }, 'request from a foreign origin refused');
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: 'origin not allowed', extensions: { code: 'FORBIDDEN_ORIGIN' } }] }), {
          status: 403,
          headers: { 'content-type': 'application/json' },
        }),
      );
    },
  };
}

/**
 * Every GraphQL request over HTTP (queries, mutations, SSE subscriptions) needs a credential:
 * 401 UNAUTHENTICATED otherwise; then one token of its rate-limit bucket (429 + Retry-After).
 * Static pages (GraphiQL) and /health are answered earlier, in onRequest, and need none.
 */
export function useAuthentication(security: GatewaySecurity): Plugin<Partial<AuthenticatedContext>> {
  return {
    async onRequestParse({ request, serverContext }) {
      let principal: Principal;
      try {
        principal = await security.authenticate(request.headers.get('authorization'));
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        log.warn({ reason: error.reason, transport: 'http' }, 'request refused: no valid credential');
        throw unauthenticatedGraphQLError(error);
      }
      const wait = security.rateLimit.take(principal.id);
      if (wait > 0) {
        log.warn({ ...principalLogFields(principal), retryAfter: wait }, 'request refused: rate limit');
        throw rateLimitedError(wait);
      }
      // Like @graphql-yoga/plugin-jwt: the server context is where yoga's context factory starts.
      Object.assign(serverContext, { principal });
    },
  };
}

/** Caps open subscriptions per credential and per instance (graphql-ws and SSE alike). */
export function useSubscriptionCaps(security: GatewaySecurity): Plugin<AuthenticatedContext> {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const { principal } = args.contextValue;
      const release = security.subscriptions.acquire(principal.id);
      if (!release) {
        log.warn({ ...principalLogFields(principal), open: security.subscriptions.size }, 'subscription refused: too many open');
        setResultAndStopExecution({
          errors: [new GraphQLError('too many open subscriptions', { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })],
        });
        return;
      }
      return {
        onSubscribeResult({ result }) {
          // An error result is not a stream: nothing stays open.
          if (!(Symbol.asyncIterator in result)) {
            release();
            return;
          }
          return { onEnd: release };
        },
      };
    },
  };
}

/** Who did what: one line per operation, by key name or JWT subject (never the credential). */
export function useAuditLog(): Plugin<AuthenticatedContext> {
  const entry = (contextValue: AuthenticatedContext, document: { definitions: readonly { kind: string }[] }, operationName?: string | null) => {
    const operation = document.definitions.find((definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION && (!operationName || (definition as OperationDefinitionNode).name?.value === operationName),
    );
    const fields = operation?.selectionSet.selections.flatMap((selection) => (selection.kind === Kind.FIELD ? [selection.name.value] : [])) ?? [];
    return { ...principalLogFields(contextValue.principal), operation: operation?.operation, operationName: operationName ?? operation?.name?.value, fields };
  };
  return {
    onExecute({ args }) {
      audit.info(entry(args.contextValue, args.document, args.operationName), 'operation');
    },
    onSubscribe({ args }) {
      audit.info(entry(args.contextValue, args.document, args.operationName), 'subscription');
    },
  };
}
