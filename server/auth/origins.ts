/**
 * Which browser origins may call the API (CORS, and the Origin of a WebSocket upgrade). A request
 * without Origin is not from a browser page and is allowed (its credential still decides).
 */
export interface OriginPolicy {
  allows(origin: string | null | undefined): boolean;
}

const LOCALHOST_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** CORS_ORIGINS (exact origins) plus, in development, any http(s)://localhost:<port>. */
export function createOriginPolicy(options: { allowed: readonly string[]; allowLocalhost: boolean }): OriginPolicy {
  const allowed = new Set(options.allowed.map((origin) => origin.replace(/\/$/, '').toLowerCase()));
  return {
    allows(origin) {
      if (!origin) return true;
      const normalized = origin.toLowerCase();
      if (allowed.has(normalized)) return true;
      if (!options.allowLocalhost) return false;
      try {
        const url = new URL(normalized);
        return (url.protocol === 'http:' || url.protocol === 'https:') && LOCALHOST_NAMES.has(url.hostname);
      } catch {
        return false;
      }
    },
  };
}

/** True when a Host header names this machine (guards the development key against DNS rebinding). */
export function isLocalHostHeader(host: string | null | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOCALHOST_NAMES.has(name.toLowerCase());
}
