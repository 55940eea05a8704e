import { z } from 'zod';
import { envList } from './parse-env.js';

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
