import { z } from 'zod';
import { envBoolean, envList, envPort, secret } from '../core/config/parse-env.js';
import { checkKafkaCredentials, sharedEnv } from '../core/config/shared-env.js';
import { conflictPolicies } from '../core/sync/merge.js';
import { apiKeysSchema } from './auth/api-keys.js';
import { MAX_EVENT_BYTES, MAX_PRODUCE_BATCH_BYTES } from '../core/kafka/limits.js';

/** An optional variable where an empty value means unset (as `API_KEYS=` in a .env file). */
const unsetIfEmpty = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** The gateway's environment (README: Configuration and Security). */
export const gatewayEnv = sharedEnv
  .extend({
    /** production: credentials required, GraphiQL/introspection/suggestions off, no localhost CORS. */
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: envPort.default(4000),
    /** Gateway processes on one port (Node's cluster); `auto` = the number of cores. */
    GATEWAY_WORKERS: z.union([z.literal('auto'), z.coerce.number().int().min(1).max(256)]).default(1),
    HOST: z.string().min(1).default('localhost'),
    OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
    /** Bytes per outbox publish batch: at least one event, at most half a topic's max.message.bytes. */
    OUTBOX_BATCH_MAX_BYTES: z.coerce.number().int().min(MAX_EVENT_BYTES).max(MAX_PRODUCE_BATCH_BYTES).default(MAX_PRODUCE_BATCH_BYTES),
    OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(2_000),
    OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(24),
    GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
    /** Events a syncEvents subscriber may fall behind before it is disconnected. */
    SYNC_EVENTS_MAX_BUFFERED: z.coerce.number().int().min(1).default(1_000),
    SYNC_EVENTS_REPLAY_MINUTES: z.coerce.number().min(0).default(15),
    RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
    /** name:secret:scopes entries, comma-separated; scopes joined by + (* for all). */
    API_KEYS: unsetIfEmpty(apiKeysSchema),
    /** HS256 secret for JWTs. */
    JWT_SECRET: secret(unsetIfEmpty(z.string().min(32, 'must be at least 32 characters'))),
    /** JWKS document of the JWT issuer (RS256, ES256). */
    JWT_JWKS_URL: unsetIfEmpty(z.url()),
    JWT_ISSUER: unsetIfEmpty(z.string()),
    JWT_AUDIENCE: unsetIfEmpty(z.string()),
    /** Where the development key lives (used only without API_KEYS and JWT settings, outside production). */
    DEV_API_KEY_FILE: z.string().min(1).default('.stack/dev-api-key'),
    /** GraphiQL, introspection and field suggestions in production. */
    GRAPHQL_PLAYGROUND: unsetIfEmpty(envBoolean),
    /** Browser origins allowed to call the API (and open its WebSocket). Localhost is added outside production. */
    CORS_ORIGINS: unsetIfEmpty(envList),
    /** Requests per second per credential (token bucket, bursts of the same size); 0 = off. */
    API_RATE_LIMIT: z.coerce.number().min(0).default(100),
    MAX_SUBSCRIPTIONS_PER_CREDENTIAL: z.coerce.number().int().min(1).default(1_000),
    MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).default(20_000),
    /** Who wins when the same field changed on both sides since the base: the later change, or always one side. */
    SYNC_CONFLICT_POLICY: z.enum(conflictPolicies).default('latest'),
  })
  .superRefine((env, ctx) => {
    checkKafkaCredentials(env, ctx);
    if (env.NODE_ENV === 'production' && !env.API_KEYS?.length && !env.JWT_SECRET && !env.JWT_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['API_KEYS'],
        message: 'production mode (NODE_ENV=production) needs credentials: set API_KEYS, or JWT_SECRET or JWT_JWKS_URL (README: Security)',
      });
    }
  });

export type GatewayConfig = z.infer<typeof gatewayEnv>;
