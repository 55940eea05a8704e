import { z } from 'zod';
import { envPort } from '../core/config/parse-env.js';
import { sharedEnv } from '../core/config/shared-env.js';
import { MAX_EVENT_BYTES, MAX_PRODUCE_BATCH_BYTES } from '../core/kafka/limits.js';

/** The gateway's environment (README: Configuration). */
export const gatewayEnv = sharedEnv.extend({
  PORT: envPort.default(4000),
  HOST: z.string().min(1).default('localhost'),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Bytes per outbox publish batch: at least one event, at most half a topic's max.message.bytes. */
  OUTBOX_BATCH_MAX_BYTES: z.coerce.number().int().min(MAX_EVENT_BYTES).max(MAX_PRODUCE_BATCH_BYTES).default(MAX_PRODUCE_BATCH_BYTES),
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(2_000),
  OUTBOX_RETENTION_HOURS: z.coerce.number().min(0).default(24),
  GRAPHQL_MAX_BODY_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /** Events a syncEvents subscriber may fall behind before it is disconnected. */
  SYNC_EVENTS_MAX_BUFFERED: z.coerce.number().int().min(1).default(1_000),
});

export type GatewayConfig = z.infer<typeof gatewayEnv>;
