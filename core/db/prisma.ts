import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/client.js';

export type { PrismaClient } from './generated/client.js';
export { Prisma } from './generated/client.js';

export interface Database {
  prisma: PrismaClient;
  /** The node-postgres pool under Prisma, for what Prisma cannot express (LISTEN, advisory locks). */
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Prisma 7 over node-postgres (its driver adapter: no native query engine), sharing one pool. */
export function createDatabase(databaseUrl: string, options: { poolSize?: number; pool?: pg.Pool } = {}): Database {
  const pool = options.pool ?? new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
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
