import { z } from 'zod';
import { envList, envPort } from '../core/config/parse-env.js';
import { checkKafkaCredentials, sharedEnv } from '../core/config/shared-env.js';

/** The integrations process's environment (README: Configuration). Adapters add their own. */
export const integrationsEnv = sharedEnv.extend({
  INTEGRATIONS_PORT: envPort.default(4100),
  INTEGRATIONS_HOST: z.string().min(1).default('localhost'),
  /** Which adapters run (names in integrations/registry/registry.ts). */
  INTEGRATIONS: envList.default(['stripe']),
  /** Where remote systems reach this process (webhooks). Default: http://INTEGRATIONS_HOST:INTEGRATIONS_PORT. */
  INTEGRATIONS_PUBLIC_URL: z.url().optional(),
  /** Partitions one process handles in parallel per adapter (order per customer is always kept). */
  OUTBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(6),
  /** Remote requests per second bulk work (backfill, reconcile) may make, per adapter and process. */
}).superRefine(checkKafkaCredentials);

export type IntegrationsConfig = z.infer<typeof integrationsEnv>;
