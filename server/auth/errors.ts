import { GraphQLError } from 'graphql';

/** A missing, malformed, unknown, expired or otherwise invalid credential: HTTP 401, WebSocket 4401. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
  /** Why, for the log only: clients always get the same message, so a probe learns nothing. */
  constructor(readonly reason: string) {
    super('a valid credential is required: Authorization: Bearer <API key or JWT>');
  }
}

/** The GraphQL error a client receives for any AuthenticationError (yoga turns http.status into the response status). */
export function unauthenticatedGraphQLError(error: AuthenticationError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } },
  });
}
