// The benchmarks' own database (catalog_bench on the stack's Postgres, STACK_PORT_OFFSET-aware):
// created and migrated when missing, then filled to BENCH_SEED_CUSTOMERS live customers, each with
// one sync state row (id_mapping), so the list-with-syncStates workload has something to load.
// Seeded with plain SQL: a data set, not a test of the write path.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { applyMigrations } from '../core/db/migrate.js';

const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Where the stack's services are (each variable still overrides its own). */
export const benchStack = {
  adminDatabaseUrl: process.env.BENCH_ADMIN_DATABASE_URL ?? `postgresql://catalog:catalog@localhost:${5432 + offset}/catalog`,
  databaseUrl: process.env.BENCH_DATABASE_URL ?? `postgresql://catalog:catalog@localhost:${5432 + offset}/catalog_bench`,
  kafkaBrokers: process.env.KAFKA_BROKERS ?? `localhost:${9092 + offset}`,
  /** The stack's main database (bench:sync and bench:outbox run on it, as the product does). */
  mainDatabaseUrl: process.env.DATABASE_URL ?? `postgresql://catalog:catalog@localhost:${5432 + offset}/catalog`,
  localstripeUrl: process.env.LOCALSTRIPE_URL ?? `http://localhost:${8420 + offset}`,
};

/** Creates, migrates and seeds the benchmark database; returns its URL and some customer ids. */
export async function prepareBenchDatabase(customers: number, sampleSize = 1_000): Promise<{ url: string; ids: string[] }> {
  const admin = new pg.Client({ connectionString: benchStack.adminDatabaseUrl });
  await admin.connect();
  const name = new URL(benchStack.databaseUrl).pathname.slice(1);
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${name.replaceAll('"', '')}"`);
  await admin.end();
  await applyMigrations(benchStack.databaseUrl, path.join(root, 'prisma', 'migrations'));

  const client = new pg.Client({ connectionString: benchStack.databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM customer WHERE deleted_at IS NULL');
  const missing = customers - Number(rows[0]!.count);
  if (missing > 0) {
    await client.query(
      `WITH new AS (
         INSERT INTO customer (id, email, name, phone, metadata, created_at, updated_at)
         SELECT gen_random_uuid(), 'seed-' || md5(random()::text) || '@example.com', 'Seed Customer ' || n, '+4930' || n,
                jsonb_build_object('tier', 'gold'), now() - make_interval(secs => n), now()
         FROM generate_series(1, $1::int) AS n
         RETURNING id)
       INSERT INTO id_mapping (id, catalog, local_id, remote_system, remote_id, status, last_synced_at)
       SELECT gen_random_uuid(), 'customer', id, 'stripe', 'cus_' || substr(md5(id::text), 1, 14), 'SYNCED', now() FROM new`,
      [missing],
    );
  }
  await client.query('VACUUM ANALYZE customer');
  await client.query('VACUUM ANALYZE id_mapping');
  const sample = await client.query<{ id: string }>('SELECT id FROM customer WHERE deleted_at IS NULL ORDER BY random() LIMIT $1', [sampleSize]);
  await client.end();
  return { url: benchStack.databaseUrl, ids: sample.rows.map((row) => row.id) };
}
