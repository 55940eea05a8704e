// npm run db:migrate: applies prisma/migrations to DATABASE_URL (see core/db/migrate.ts for why not `prisma migrate`).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { applyMigrations } from '../core/db/migrate.js';
import { parseEnv } from '../core/config/parse-env.js';
import { sharedEnv } from '../core/config/shared-env.js';

const env = parseEnv(sharedEnv.pick({ DATABASE_URL: true }).extend({ MIGRATIONS_DIR: z.string().optional() }));
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dir = env.MIGRATIONS_DIR ?? path.join(root, 'prisma', 'migrations');

try {
  const { applied, alreadyApplied } = await applyMigrations(env.DATABASE_URL, dir);
  const where = new URL(env.DATABASE_URL);
  console.log(`db:migrate ${where.host}${where.pathname}: ${applied.length} applied${applied.length ? ` (${applied.join(', ')})` : ''}, ${alreadyApplied.length} already applied`);
} catch (error) {
  console.error(`db:migrate failed: ${(error as Error).message}`);
  process.exit(1);
}
