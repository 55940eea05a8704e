import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from './errors.js';
import type { Principal } from './principal.js';
import { isScope, type Scope } from './scopes.js';

export interface JwtSettings {
  /** HS256 shared secret. */
  secret?: string | undefined;
  /** A JWKS document with the issuer's public keys (RS256, ES256). */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
}

export type JwtVerifier = (token: string) => Promise<Principal>;

/** A compact JWS has three dot-separated base64url parts; an API key never does. */
export const looksLikeJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);

/**
 * Verifies JWTs with jose (signature, `exp`, `nbf`, and `iss`/`aud` when configured). Only the
 * listed algorithms are accepted, so `alg: none` and algorithm-confusion tokens are refused.
 */
export function createJwtVerifier(settings: JwtSettings): JwtVerifier | undefined {
  const verifiers: Array<{ key: Uint8Array | JWTVerifyGetKey; algorithms: string[] }> = [];
  if (settings.secret) verifiers.push({ key: new TextEncoder().encode(settings.secret), algorithms: ['HS256'] });
  if (settings.jwksUrl) verifiers.push({ key: createRemoteJWKSet(new URL(settings.jwksUrl)), algorithms: ['RS256', 'ES256'] });
  if (verifiers.length === 0) return undefined;

  return async (token) => {
    let lastError: unknown;
    for (const { key, algorithms } of verifiers) {
      try {
        const options = { algorithms, issuer: settings.issuer, audience: settings.audience, requiredClaims: ['sub', 'exp'] };
        const { payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
        return principalOf(payload);
      } catch (error) {
        lastError = error;
      }
    }
    throw new AuthenticationError(`JWT rejected: ${reasonOf(lastError)}`);
  };
}

function principalOf(payload: JWTPayload): Principal {
  const claimed = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  return {
    kind: 'jwt',
    id: String(payload.sub),
    scopes: new Set<Scope>(claimed.filter(isScope)),
    ...(payload.exp ? { expiresAt: new Date(payload.exp * 1000) } : {}),
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof joseErrors.JOSEError) return `${error.code}${error instanceof joseErrors.JWTClaimValidationFailed ? ` (${error.claim})` : ''}`;
  return error instanceof Error ? error.name : 'unknown';
}
