import { lexicographicSortSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import { assertEveryRootFieldHasScopes } from './require-scopes.js';
// Each catalog type registers its types, queries and mutations on import.
import './errors.js';
import './sync-state.js';
import './customer.js';
import './invoice.js';
import './sync-event.js';
import './sync-conflict.js';
import './sync-run.js';
import './sync-console.js';
import './retention.js';

let schema: GraphQLSchema | undefined;

/** The gateway's schema, built once (sorted, so schema.graphql diffs stay readable). */
export function gatewaySchema(): GraphQLSchema {
  if (!schema) {
    schema = lexicographicSortSchema(builder.toSchema());
    assertEveryRootFieldHasScopes(schema);
  }
  return schema;
}
