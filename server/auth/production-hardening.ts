import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Production without GRAPHQL_PLAYGROUND: no introspection (graphql-js's own rule) and no field
 * suggestions ("Did you mean …?" would spell the schema out field by field). The suggestion filter
 * is hand-written: graphql-armor's plugin does the same in a dependency of its own.
 */
export function useProductionHardening(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoSchemaIntrospectionCustomRule);
      return ({ result, setResult }) => {
        if (!result.some((error) => error.message.includes('Did you mean'))) return;
        setResult(
          result.map((error) =>
            error.message.includes('Did you mean')
              ? new GraphQLError(error.message.replace(/\s*Did you mean .*$/s, ''), { nodes: error.nodes, extensions: error.extensions })
              : error,
          ),
        );
      };
    },
  };
}
