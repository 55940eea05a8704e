import { z } from 'zod';
import { envBoolean, envList, secret } from './parse-env.js';

/** SASL mechanisms the Kafka client speaks (kafkajs's names). */
export const kafkaSaslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** An optional variable where an empty value means unset (as `KAFKA_SASL_MECHANISM=` in a .env file). */
const unsetIfEmpty = <Schema extends z.ZodType>(schema: Schema) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** Variables both processes read: where Postgres and Kafka are, topic names, logging. */
export const sharedEnv = z.object({
  DATABASE_URL: z.url().default('postgresql://catalog:catalog@localhost:5432/catalog'),
  /** Server-side limit of one SQL statement (statement_timeout); 0 turns it off. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15_000),
  /** How long a request waits for a pooled database connection before it fails. */
  DATABASE_POOL_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Idle time before TCP keepalive probes start on database connections. */
  DATABASE_KEEPALIVE_IDLE_MS: z.coerce.number().int().min(1_000).default(10_000),
  KAFKA_BROKERS: envList.default(['localhost:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('catalog-gateway'),
  /** TLS to the brokers (a managed Kafka); KAFKA_SSL_CA_FILE adds a private CA to Node's trusted ones. */
  KAFKA_SSL: envBoolean.default(false),
  KAFKA_SSL_CA_FILE: unsetIfEmpty(z.string()),
  /** SASL authentication; all three of mechanism, username and password, or none. */
  KAFKA_SASL_MECHANISM: unsetIfEmpty(z.enum(kafkaSaslMechanisms)),
  KAFKA_SASL_USERNAME: unsetIfEmpty(z.string()),
  KAFKA_SASL_PASSWORD: secret(unsetIfEmpty(z.string())),
  TOPIC_CATALOG_CHANGES: z.string().min(1).default('catalog.customer.changes'),
  TOPIC_INTEGRATION_INBOUND: z.string().min(1).default('integration.inbound'),
  TOPIC_SYNC_EVENTS: z.string().min(1).default('sync.events'),
  TOPIC_DEAD_LETTER: z.string().min(1).default('catalog.dead-letter'),
  /** Bulk work (backfill, reconcile repairs) travels apart from live changes, in its own consumer groups. */
  TOPIC_CATALOG_CHANGES_BULK: z.string().min(1).default('catalog.customer.changes.bulk'),
  TOPIC_INTEGRATION_INBOUND_BULK: z.string().min(1).default('integration.inbound.bulk'),
  /** Partitions of topics a process creates when missing (order per customer, parallelism across customers). */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  /** Prefix for consumer group ids (e.g. per environment sharing one cluster). */
  KAFKA_GROUP_PREFIX: z.string().default(''),
  /** A run whose process stopped renewing its lease this long ago is resumed by another process. */
  SYNC_RUN_LEASE_S: z.coerce.number().int().min(1).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SharedEnv = z.infer<typeof sharedEnv>;

/**
 * The checks across Kafka variables, for each process's superRefine (a refined object schema can
 * no longer be extended, so sharedEnv itself stays unrefined).
 */
export function checkKafkaCredentials(env: SharedEnv, ctx: z.RefinementCtx): void {
  const sasl = { KAFKA_SASL_MECHANISM: env.KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD };
  const set = Object.values(sasl).filter((value) => value !== undefined).length;
  if (set > 0 && set < 3) {
    for (const [name, value] of Object.entries(sasl)) {
      if (value === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'Kafka SASL needs KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD together' });
    }
  }
  if (env.KAFKA_SSL_CA_FILE !== undefined && !env.KAFKA_SSL) {
    ctx.addIssue({ code: 'custom', path: ['KAFKA_SSL_CA_FILE'], message: 'is only used with KAFKA_SSL=true' });
  }
}
