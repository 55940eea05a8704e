import type { GraphQLSchema } from 'graphql';

/**
 * Closed by default: every root field must declare the scope it needs (authScopes, see
 * builder.ts). A field added without one stops the gateway at start (and the schema tests) instead
 * of being open to any credential.
 */
export function assertEveryRootFieldHasScopes(schema: GraphQLSchema): void {
  const open: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) {
      const options = field.extensions?.pothosOptions as { authScopes?: unknown } | undefined;
      if (!options?.authScopes) open.push(`${root!.name}.${field.name}`);
    }
  }
  if (open.length > 0) {
    throw new Error(`root fields without authScopes (add authScopes: { scope: '…' }, README: Security): ${open.join(', ')}`);
  }
}
