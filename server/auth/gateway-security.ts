import { getLogger } from '../../core/logger.js';
import type { GatewayConfig } from '../config.js';
import { apiKey, type ApiKey } from './api-keys.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';
import { loadOrCreateDevelopmentKey } from './development-key.js';
import { createOriginPolicy, type OriginPolicy } from './origins.js';
import { SCOPES } from './scopes.js';
import { SubscriptionSlots } from './subscription-slots.js';
import { TokenBuckets } from './token-buckets.js';

const log = getLogger('auth');

/** Everything the HTTP, SSE and WebSocket paths need to decide who may do what, built once per instance. */
export interface GatewaySecurity {
  authenticate: Authenticator;
  rateLimit: TokenBuckets;
  subscriptions: SubscriptionSlots;
  origins: OriginPolicy;
  /** GraphiQL, introspection and field suggestions are on. */
  playground: boolean;
  production: boolean;
  /** The development key, when it is the only credential: GraphiQL opens with it. Never set otherwise. */
  developmentKey?: { token: string; file: string };
}

/** Builds the gateway's security from its config; without credentials outside production, creates the development key. */
export async function createGatewaySecurity(config: GatewayConfig): Promise<GatewaySecurity> {
  const production = config.NODE_ENV === 'production';
  const jwt = { secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  let apiKeys: readonly ApiKey[] = config.API_KEYS ?? [];
  let developmentKey: GatewaySecurity['developmentKey'];
  if (apiKeys.length === 0 && !jwt.secret && !jwt.jwksUrl) {
    // gatewayEnv already refused this combination in production.
    const { token, created } = await loadOrCreateDevelopmentKey(config.DEV_API_KEY_FILE);
    apiKeys = [apiKey('development', token, SCOPES)];
    developmentKey = { token, file: config.DEV_API_KEY_FILE };
    log.info({ file: config.DEV_API_KEY_FILE, created }, 'no API_KEYS or JWT settings: using the development key (every scope)');
  }
  return {
    authenticate: createAuthenticator({ apiKeys, jwt }),
    rateLimit: new TokenBuckets(config.API_RATE_LIMIT),
    subscriptions: new SubscriptionSlots(config.MAX_SUBSCRIPTIONS_PER_CREDENTIAL, config.MAX_SUBSCRIPTIONS),
    origins: createOriginPolicy({ allowed: config.CORS_ORIGINS ?? [], allowLocalhost: !production }),
    playground: config.GRAPHQL_PLAYGROUND ?? !production,
    production,
    ...(developmentKey ? { developmentKey } : {}),
  };
}
