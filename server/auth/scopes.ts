/**
 * The API's scopes (README: Security). A credential holds some of them; each root field requires
 * one (server/schema/builder.ts, `authScopes: { scope: '…' }`).
 */
export const SCOPES = ['customers.read', 'customers.write', 'sync.read', 'sync.admin'] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
