import { findApiKey, type ApiKey } from './api-keys.js';
import { AuthenticationError } from './errors.js';
import { createJwtVerifier, looksLikeJwt, type JwtSettings } from './jwt.js';
import type { Principal } from './principal.js';

export type Authenticator = (authorization: string | undefined | null) => Promise<Principal>;

/**
 * Turns an `Authorization: Bearer <token>` value into a principal: an API key from API_KEYS, or a
 * JWT (JWT_SECRET / JWT_JWKS_URL). Throws AuthenticationError (401 / 4401) for anything else.
 * One function for HTTP, SSE and graphql-ws, so every transport checks credentials the same way.
 */
export function createAuthenticator(options: { apiKeys: readonly ApiKey[]; jwt: JwtSettings }): Authenticator {
  const verifyJwt = createJwtVerifier(options.jwt);
  return async (authorization) => {
    if (!authorization) throw new AuthenticationError('no credential');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new AuthenticationError('not a Bearer credential');
    const token = match[1]!;
    if (verifyJwt && looksLikeJwt(token)) return verifyJwt(token);
    const key = findApiKey(options.apiKeys, token);
    if (!key) throw new AuthenticationError(looksLikeJwt(token) ? 'JWT given but no JWT settings' : 'unknown API key');
    return { kind: 'api-key', id: key.name, scopes: key.scopes };
  };
}
