import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { getLogger } from '../logger.js';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient } from './generated/client.js';
export { Prisma } from './generated/client.js';

export interface Database {
  prisma: PrismaClient;
  /** The node-postgres pool under Prisma, for what Prisma cannot express (LISTEN, advisory locks). */
  pool: pg.Pool;
  close(): Promise<void>;
}

const log = getLogger('db');

/** How connections behave when Postgres is slow, restarts or disappears (README: Configuration). */
export interface ConnectionLimits {
  /** Server-side limit of one statement (statement_timeout); 0 turns it off. */
  statementTimeoutMs: number;
  /** How long a caller waits for a pooled connection (or a new one) before it fails. */
  acquireTimeoutMs: number;
  /** Idle time after which TCP keepalive probes start, so dead peers are noticed. */
  keepAliveIdleMs: number;
}

/** The limits as the environment sets them (core/config/shared-env.ts). */
export function connectionLimitsFrom(env: { DATABASE_STATEMENT_TIMEOUT_MS: number; DATABASE_POOL_ACQUIRE_TIMEOUT_MS: number; DATABASE_KEEPALIVE_IDLE_MS: number }): ConnectionLimits {
  return { statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS, acquireTimeoutMs: env.DATABASE_POOL_ACQUIRE_TIMEOUT_MS, keepAliveIdleMs: env.DATABASE_KEEPALIVE_IDLE_MS };
}

export const defaultConnectionLimits: ConnectionLimits = { statementTimeoutMs: 15_000, acquireTimeoutMs: 5_000, keepAliveIdleMs: 10_000 };

/** Prisma 7 over node-postgres (its driver adapter: no native query engine), sharing one pool. */
export function createDatabase(
  databaseUrl: string,
  options: { poolSize?: number; pool?: pg.Pool; limits?: Partial<ConnectionLimits> } = {},
): Database {
  const limits = { ...defaultConnectionLimits, ...options.limits };
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: databaseUrl,
      max: options.poolSize ?? 10,
      keepAlive: true,
      keepAliveInitialDelayMillis: limits.keepAliveIdleMs,
      connectionTimeoutMillis: limits.acquireTimeoutMs,
      ...(limits.statementTimeoutMs > 0 ? { statement_timeout: limits.statementTimeoutMs } : {}),
    });
  // An idle pooled connection that breaks (Postgres restarted) emits 'error' on the pool; without a
  // listener that would crash the process. The pool drops it and opens a new one on demand.
  pool.on('error', (error) => log.warn({ err: error }, 'idle database connection lost; the pool replaces it'));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
