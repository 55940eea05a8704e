import { randomBytes } from 'node:crypto';

/**
 * The benchmarks' own API key (every scope), sent as a client would; their gateway runs as production
 * runs it (NODE_ENV=production) and has no rate limit.
 */
const benchKey = `bench_${randomBytes(24).toString('base64url')}`;

export const benchGatewayEnv = { NODE_ENV: 'production', API_KEYS: `bench:${benchKey}:*`, API_RATE_LIMIT: '0' };
export const benchHeaders = { 'content-type': 'application/json', authorization: `Bearer ${benchKey}` };
