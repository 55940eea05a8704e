import type { Scope } from './scopes.js';

/** Who is calling: an API key (by its name) or a JWT (by its `sub`), and what they may do. */
export interface Principal {
  kind: 'api-key' | 'jwt';
  /** The key's name or the token's subject: what the audit log and the rate limit key on. Never a secret. */
  id: string;
  scopes: ReadonlySet<Scope>;
  /** When the credential stops being valid (JWT `exp`), if it does. */
  expiresAt?: Date;
}

/** The log fields naming a principal (key name or JWT subject, never the secret). */
export function principalLogFields(principal: Principal): { principal: string; credential: Principal['kind'] } {
  return { principal: principal.id, credential: principal.kind };
}
