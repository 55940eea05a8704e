import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { Prisma } from '../../core/db/prisma.js';
import type PrismaTypes from '../../core/db/generated/pothos-types.js';
import { getDatamodel } from '../../core/db/generated/pothos-types.js';
import type { GatewayContext } from '../context.js';

/** Limits every operation must stay within (abuse protection); checked before execution. */
export const QUERY_LIMITS = { depth: 10, breadth: 200, complexity: 2_000 } as const;
export const MAX_PAGE_SIZE = 100;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The one place for plugins, the context type and scalars.
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  PrismaTypes: PrismaTypes;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, ComplexityPlugin, PrismaPlugin, RelayPlugin],
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
    defaultListMultiplier: 10,
    limit: QUERY_LIMITS,
    complexityError: (kind, result) => {
      const found = { Depth: [result.depth, result.maxDepth], Breadth: [result.breadth, result.maxBreadth], Complexity: [result.complexity, result.maxComplexity] }[kind];
      return new GraphQLError(`query ${kind.toLowerCase()} ${found[0]} exceeds the limit of ${found[1]}`, {
        extensions: { code: 'QUERY_TOO_COMPLEX' },
      });
    },
  },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
