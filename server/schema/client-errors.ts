import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { handleStreamOrSingleExecutionResult, type Plugin } from 'graphql-yoga';

/**
 * Pothos refuses bad connection arguments (a malformed cursor, `before` with `first`, a negative
 * `first`) with a PothosValidationError: a GraphQLError with no `extensions.code`, which clients
 * cannot tell from a failure. This gives it BAD_USER_INPUT, as our own argument checks have.
 */
export function withClientErrorCode(error: GraphQLError): GraphQLError {
  const refused = error instanceof PothosValidationError || error.originalError instanceof PothosValidationError;
  if (!refused || error.extensions.code !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code: 'BAD_USER_INPUT' },
  });
}

/**
 * Applies withClientErrorCode to every execution result (queries, mutations, each subscription
 * event). A plugin rather than part of maskError: yoga logs every error maskError replaces as an
 * unexpected one, and these are the client's.
 */
export function useClientErrorCodes(): Plugin {
  return {
    onExecute: () => ({
      onExecuteDone: (payload) =>
        handleStreamOrSingleExecutionResult(payload, ({ result, setResult }) => {
          if (!result.errors?.some((error) => withClientErrorCode(error) !== error)) return;
          setResult({ ...result, errors: result.errors.map(withClientErrorCode) });
        }),
    }),
  };
}
