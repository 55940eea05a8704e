import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';

/**
 * Pothos refuses bad connection arguments (a malformed cursor, `before` with `first`, a negative
 * `first`) with a PothosValidationError: a GraphQLError with no `extensions.code`, which clients
 * cannot tell from a failure. This gives it BAD_USER_INPUT, as our own argument checks have.
 */
export function withClientErrorCode<Error extends GraphQLError>(error: Error): Error | GraphQLError {
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
