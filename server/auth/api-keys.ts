import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { isScope, SCOPES, type Scope } from './scopes.js';

export const MIN_API_KEY_SECRET_LENGTH = 24;

export interface ApiKey {
  name: string;
  scopes: ReadonlySet<Scope>;
  /** SHA-256 of the secret: equal-length digests compared with timingSafeEqual. */
  digest: Buffer;
}

const digestOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

export function apiKey(name: string, secret: string, scopes: Iterable<Scope>): ApiKey {
  return { name, scopes: new Set(scopes), digest: digestOf(secret) };
}

/**
 * API_KEYS: comma-separated `name:secret:scopes` entries, scopes joined by `+`, `*` for all, e.g.
 * `ci:3f…9a:customers.read+sync.read,admin:8c…1e:*`. Issues name the entry, never its secret.
 */
export const apiKeysSchema = z.string().transform((value, ctx): ApiKey[] => {
  const keys: ApiKey[] = [];
  const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
  entries.forEach((entry, index) => {
    const parts = entry.split(':');
    const [name = '', secret = '', scopeList = ''] = parts;
    const label = /^[\w.-]+$/.test(name) ? `key "${name}"` : `entry ${index + 1}`;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message: `${label}: ${message}` });
    if (parts.length !== 3) return problem('must be name:secret:scopes');
    if (!/^[\w.-]{1,64}$/.test(name)) return problem('name must be 1-64 letters, digits, _ . or -');
    if (secret.length < MIN_API_KEY_SECRET_LENGTH) return problem(`secret must be at least ${MIN_API_KEY_SECRET_LENGTH} characters`);
    if (keys.some((key) => key.name === name)) return problem('name used twice');
    const requested = scopeList.split('+').map((scope) => scope.trim());
    const unknown = requested.filter((scope) => scope !== '*' && !isScope(scope));
    if (unknown.length > 0 || requested.length === 0) return problem(`unknown scope(s) ${unknown.join(', ') || '(none)'}; use ${SCOPES.join(', ')} or *`);
    keys.push(apiKey(name, secret, requested.includes('*') ? SCOPES : requested.filter(isScope)));
  });
  if (keys.some((key, index) => keys.findIndex((other) => other.digest.equals(key.digest)) !== index)) {
    ctx.addIssue({ code: 'custom', message: 'two keys share a secret' });
  }
  return keys;
});

/**
 * The key whose secret is `token`, or undefined. Every key is compared (in constant time per key),
 * so the time taken says nothing about which key or how much of it matched.
 */
export function findApiKey(keys: readonly ApiKey[], token: string): ApiKey | undefined {
  const digest = digestOf(token);
  let found: ApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.digest, digest) && !found) found = key;
  return found;
}
