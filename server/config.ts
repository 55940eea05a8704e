import { z } from 'zod';
import { envPort } from '../core/config/parse-env.js';
import { sharedEnv } from '../core/config/shared-env.js';
import { conflictPolicies } from '../core/sync/merge.js';

/** The gateway's environment (README: Configuration). */
export const gatewayEnv = sharedEnv.extend({
  PORT: envPort.default(4000),
  HOST: z.string().min(1).default('localhost'),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(2_000),
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /** Events a syncEvents subscriber may fall behind before it is disconnected. */
  SYNC_EVENTS_MAX_BUFFERED: z.coerce.number().int().min(1).default(1_000),
  /** Who wins when the same field changed on both sides since the base: the later change, or always one side. */
  SYNC_CONFLICT_POLICY: z.enum(conflictPolicies).default('latest'),
});

export type GatewayConfig = z.infer<typeof gatewayEnv>;
