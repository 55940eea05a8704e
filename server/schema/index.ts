import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
// Each catalog type registers its types, queries and mutations on import.
import './errors.js';
import './sync-state.js';
import './customer.js';
import './sync-event.js';
import './sync-conflict.js';

let schema: GraphQLSchema | undefined;

/** The gateway's schema, built once (sorted, so schema.graphql diffs stay readable). */
export function gatewaySchema(): GraphQLSchema {
  schema ??= lexicographicSortSchema(builder.toSchema());
  return schema;
}
