import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import { getNamedType, getNullableType, GraphQLError, isLeafType, isListType, type GraphQLField } from 'graphql';
import { DateResolver, DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Prisma } from '../../core/db/prisma.js';
import type PrismaTypes from '../../core/db/generated/pothos-types.js';
import { getDatamodel } from '../../core/db/generated/pothos-types.js';
import type { Scope } from '../auth/scopes.js';
import type { GatewayContext } from '../context.js';

/** Limits every operation must stay within (abuse protection); checked before execution. */
export const QUERY_LIMITS = { depth: 10, breadth: 200, complexity: 2_000 } as const;
export const MAX_PAGE_SIZE = 100;

/** A connection's `first`/`last` within 0..MAX_PAGE_SIZE, or BAD_USER_INPUT naming the argument. */
export function checkPageSize(args: { first?: number | null; last?: number | null }): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value !== null && value !== undefined && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new GraphQLError(`${name} must be between 0 and ${MAX_PAGE_SIZE}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
  }
}
/** An `id` argument parsed by the entity's id schema, or BAD_USER_INPUT saying what it is not (e.g. "a customer id"). */
export function parseIdArgument(schema: { safeParse(value: string): { success: true; data: string } | { success: false } }, id: string | number, what: string): string {
  const parsed = schema.safeParse(String(id));
  if (!parsed.success) throw new GraphQLError(`"${id}" is not ${what} (UUID)`, { extensions: { code: 'BAD_USER_INPUT' } });
  return parsed.data;
}
/** Items a list field without first/last is assumed to return (pothos-complexity's default). */
const LIST_MULTIPLIER = 10;
/** Page size of a connection queried without first/last. */
export const DEFAULT_PAGE_SIZE = 20;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a connection costs before its page: a filtered scan and a count in Postgres. */
export const CONNECTION_BASE_COST = 100;

/**
 * The cost of a field, so that work, not field count, is limited (QUERY_LIMITS.complexity):
 * - a connection costs CONNECTION_BASE_COST plus its page size (first/last) times its selection,
 *   so an alias bomb of page-size lists is refused before it runs; its `edges` are then counted
 *   once (the page size already multiplies them);
 * - any other list counts LIST_MULTIPLIER items; an object costs 1;
 * - a scalar costs nothing: it is read from a row that was already loaded.
 * A full page of 100 customers with their sync states costs about 600: three fit, four do not.
 */
function fieldComplexity(args: Record<string, unknown>, field: GraphQLField<unknown, GatewayContext>) {
  if (field.args.some((arg) => arg.name === 'first' || arg.name === 'last')) {
    const size = [args.first, args.last].find((value): value is number => typeof value === 'number');
    return { field: CONNECTION_BASE_COST, multiplier: Math.min(Math.max(size ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE) };
  }
  const named = getNamedType(field.type);
  if (isLeafType(named)) return 0;
  if (!isListType(getNullableType(field.type))) return 1;
  return { field: 1, multiplier: named.name.endsWith('Edge') ? 1 : LIST_MULTIPLIER };
}

// The one place for plugins, the context type and scalars.
//
// Scopes (README: Security). Every root field (query, mutation, subscription) declares the scope it
// needs, or the gateway refuses to start (schema/require-scopes.ts):
//
//   builder.queryFields((t) => ({ syncConflicts: t.field({ authScopes: { scope: 'sync.read' }, ... }) }));
//
// Fields of objects are reachable only through a root field, so they inherit its check; one that
// needs more declares its own the same way (e.g. Customer.syncConflicts: sync.read, on top of the
// customers.read its parent query needed). A missing scope is a FORBIDDEN error on that field;
// subscriptions are checked once, when they start (authorizeOnSubscribe).
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  AuthScopes: { scope: Scope };
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    /** A calendar date, YYYY-MM-DD. */
    Date: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  // scope-auth first, so its check wraps every other plugin's resolver.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, ComplexityPlugin, PrismaPlugin, RelayPlugin],
  scopeAuth: {
    authScopes: (ctx) => ({ scope: (required) => ctx.principal.scopes.has(required) }),
    authorizeOnSubscribe: true,
    unauthorizedError: (_parent, _ctx, info, result) =>
      new GraphQLError(`${info.parentType.name}.${info.fieldName}: ${forbiddenReason(result.failure)}`, { extensions: { code: 'FORBIDDEN' } }),
  },
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
    exposeDescriptions: false,
    filterConnectionTotalCount: true,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    // A deleted or unknown id is a null node, not an error.
    nodeQueryOptions: {
      authScopes: { scope: 'customers.read' },
      resolve: async (_root, { id }, _ctx, _info, resolveNode) => {
        try {
          return await resolveNode(id);
        } catch (error) {
          if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return null;
          throw error;
        }
      },
    },
    // Ids are the catalog's own UUIDs (the same ids in Kafka keys, Stripe metadata and sync
    // events), not base64 "Type:id" strings. Customer is the only node type today; a second
    // catalog would need ids that say their type (or a lookup here).
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => {
      if (!UUID.test(globalID)) {
        throw new GraphQLError(`"${globalID}" is not a valid id`, { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return { typename: 'Customer', id: globalID.toLowerCase() };
    },
  },
  errors: { defaultTypes: [] },
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: LIST_MULTIPLIER,
    fieldComplexity: (args, _ctx, field) => fieldComplexity(args, field),
    limit: QUERY_LIMITS,
    complexityError: (kind, result) => {
      const found = { Depth: [result.depth, result.maxDepth], Breadth: [result.breadth, result.maxBreadth], Complexity: [result.complexity, result.maxComplexity] }[kind];
      return new GraphQLError(`query ${kind.toLowerCase()} ${found[0]} exceeds the limit of ${found[1]}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      });
    },
  },
});

function forbiddenReason(failure: AuthFailure): string {
  if (failure.kind === AuthScopeFailureType.AuthScope) return `requires scope ${String(failure.parameter)}`;
  if (failure.kind === AuthScopeFailureType.AnyAuthScopes || failure.kind === AuthScopeFailureType.AllAuthScopes) {
    return failure.failures.map(forbiddenReason).join(' or ');
  }
  return 'not allowed';
}

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('Date', DateResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
