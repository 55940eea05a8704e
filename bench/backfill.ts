// npm run bench:backfill: backfill throughput, both directions, with the real stack and both
// processes running as child processes (NODE_ENV=production) against localstripe.
//
// - import: BENCH_CUSTOMERS customers created in the emulator (setup, not measured), then an IMPORT
//   run; timed from startSyncRun to every one of them linked to a local customer in Postgres.
// - export: BENCH_CUSTOMERS local customers inserted with SQL (a data set, not a test of the write
//   path: no outbox rows, so no live change exports them), then an EXPORT run; timed from
//   startSyncRun to every one of them linked and SYNCED.
// Both runs draw on the default Stripe rate budget (STRIPE_RATE_LIMIT unset: 20 requests/s for an
// emulator) at the bulk priority. Webhooks go nowhere and catch-up is off, so only the runs move
// data. The processes use a database of their own (catalog_bench_backfill, recreated each run) and
// topics of their own. localstripe's store is emptied before and after. Prints one JSON object;
// then `npm run sync -- status` against the benchmark's gateway, on stderr.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Stripe from 'stripe';
import { applyMigrations } from '../core/db/migrate.js';
import { benchStack } from './bench-database.js';
import { benchGatewayEnv, benchHeaders } from './credentials.js';
import { startProcess } from './process.js';
import { runPool } from './stats.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 500);
const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
const LOCALSTRIPE_URL = process.env.LOCALSTRIPE_URL ?? `http://localhost:${8420 + offset}`;
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const run = Date.now().toString(36);
const databaseUrl = new URL(benchStack.adminDatabaseUrl);
databaseUrl.pathname = '/catalog_bench_backfill';

// A fresh database: the runs' counts and the rate budget's bucket start from nothing.
const admin = new pg.Client({ connectionString: benchStack.adminDatabaseUrl });
await admin.connect();
await admin.query('DROP DATABASE IF EXISTS catalog_bench_backfill WITH (FORCE)');
await admin.query('CREATE DATABASE catalog_bench_backfill');
await admin.end();
await applyMigrations(databaseUrl.toString(), path.join(root, 'prisma', 'migrations'));
const sql = new pg.Pool({ connectionString: databaseUrl.toString(), max: 2 });

// localstripe rewrites its whole store on every write: start from an empty one (as bench:sync).
await fetch(new URL('/_config/data', LOCALSTRIPE_URL), { method: 'DELETE' });
const url = new URL(LOCALSTRIPE_URL);
const stripe = new Stripe('sk_test_bench', { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 2 });

const env = {
  LOG_LEVEL: 'warn',
  DATABASE_URL: databaseUrl.toString(),
  KAFKA_BROKERS: benchStack.kafkaBrokers,
  TOPIC_CATALOG_CHANGES: `bench.${run}.changes`,
  TOPIC_CATALOG_CHANGES_BULK: `bench.${run}.changes.bulk`,
  TOPIC_INTEGRATION_INBOUND: `bench.${run}.inbound`,
  TOPIC_INTEGRATION_INBOUND_BULK: `bench.${run}.inbound.bulk`,
  TOPIC_SYNC_EVENTS: `bench.${run}.sync-events`,
  TOPIC_DEAD_LETTER: `bench.${run}.dead-letter`,
  KAFKA_GROUP_PREFIX: `bench-${run}-`,
  PORT: process.env.BENCH_GATEWAY_PORT ?? String(4900 + offset),
  HOST: '127.0.0.1',
  INTEGRATIONS_PORT: process.env.BENCH_INTEGRATIONS_PORT ?? String(4901 + offset),
  INTEGRATIONS_HOST: '127.0.0.1',
  // Webhooks to a closed port and no catch-up: only the runs move data.
  INTEGRATIONS_PUBLIC_URL: 'http://127.0.0.1:9',
  STRIPE_CATCHUP_INTERVAL_S: '0',
  STRIPE_API_BASE: LOCALSTRIPE_URL,
  ...benchGatewayEnv,
};

// Setup (not measured): the remote customers to import, the local ones to export.
await runPool(CUSTOMERS, 8, async (index) => {
  await stripe.customers.create({ email: `bench-import-${run}-${index}@example.com`, name: `Import ${index}`, phone: '+15550100' });
});
await sql.query(
  `INSERT INTO customer (id, email, name, phone, created_at, updated_at)
   SELECT gen_random_uuid(), 'bench-export-' || $2 || '-' || n || '@example.com', 'Export ' || n, '+15550200', now(), now()
     FROM generate_series(1, $1::int) AS n`,
  [CUSTOMERS, run],
);

const gateway = await startProcess('server/main.ts', env, /GraphiQL: (\S+)/);
const integrations = await startProcess('integrations/main.ts', env, /Integrations: (\S+)/);

async function graphql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(gateway.url, { method: 'POST', headers: benchHeaders, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`gateway: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 15 * 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts a run and returns the seconds until `done` holds (the run finished and its effect is visible). */
async function timeRun(kind: 'IMPORT' | 'EXPORT', done: () => Promise<boolean>): Promise<{ seconds: number; runSeconds: number; run: Record<string, unknown> }> {
  const started = performance.now();
  const { startSyncRun } = await graphql<{ startSyncRun: { id: string } }>(`mutation ($input: StartSyncRunInput!) { startSyncRun(input: $input) { id } }`, {
    input: { kind, integration: 'stripe' },
  });
  const fields = 'status pages seen created updated linked skipped failed error';
  let last: Record<string, unknown> = {};
  let runSeconds: number | undefined;
  await until(`${kind} run`, async () => {
    last = (await graphql<{ syncRun: Record<string, unknown> }>(`query ($id: ID!) { syncRun(id: $id) { ${fields} } }`, { id: startSyncRun.id })).syncRun;
    if (last.status === 'FAILED') throw new Error(`${kind} run failed: ${String(last.error)}`);
    if (last.status === 'SUCCEEDED') runSeconds ??= (performance.now() - started) / 1000;
    return last.status === 'SUCCEEDED' && (await done());
  });
  // The run itself ends once everything is queued; the effect is visible when the consumers have applied it.
  return { seconds: (performance.now() - started) / 1000, runSeconds: runSeconds!, run: last };
}

const count = async (query: string, params: unknown[]) => Number((await sql.query<{ n: string }>(query, params)).rows[0]!.n);

const imported = await timeRun('IMPORT', async () =>
  (await count(
    `SELECT count(*) AS n FROM customer c JOIN id_mapping m ON m.local_id = c.id AND m.remote_system = 'stripe' AND m.remote_id IS NOT NULL
      WHERE c.email LIKE $1`,
    [`bench-import-${run}-%`],
  )) === CUSTOMERS,
);
const exported = await timeRun('EXPORT', async () =>
  (await count(
    `SELECT count(*) AS n FROM customer c JOIN id_mapping m ON m.local_id = c.id AND m.remote_system = 'stripe' AND m.remote_id IS NOT NULL AND m.status = 'SYNCED'
      WHERE c.email LIKE $1`,
    [`bench-export-${run}-%`],
  )) === CUSTOMERS,
);
// Every exported customer is in the emulator once, tagged with its local id.
let remoteExports = 0;
for await (const customer of stripe.customers.list({ limit: 100 })) if (customer.email?.startsWith(`bench-export-${run}-`) && customer.metadata?.local_id) remoteExports += 1;

const status = spawnSync('npm', ['run', '-s', 'sync', '--', 'status'], {
  cwd: root,
  env: { ...process.env, CATALOG_GATEWAY_URL: gateway.url, CATALOG_API_KEY: benchHeaders.authorization.slice('Bearer '.length) },
  encoding: 'utf8',
});
await integrations.stop();
await gateway.stop();
await sql.end();
// Leave nothing behind: 1,500 fresh customer events would sit inside the 5-minute overlap of the
// next catch-up on this stack (each one re-read from the emulator), slowing whatever runs next.
await fetch(new URL('/_config/data', LOCALSTRIPE_URL), { method: 'DELETE' });

const result = {
  benchmark: 'backfill',
  customers: CUSTOMERS,
  rate_budget_per_s: Number(process.env.STRIPE_RATE_LIMIT ?? 20),
  import: { seconds: round(imported.seconds), customers_per_s: round(CUSTOMERS / imported.seconds), run_queued_s: round(imported.runSeconds), pages: imported.run.pages, created: imported.run.created },
  export: { seconds: round(exported.seconds), customers_per_s: round(CUSTOMERS / exported.seconds), run_queued_s: round(exported.runSeconds), created: exported.run.created, in_emulator: remoteExports },
  cores: os.cpus().length,
  load_average: os.loadavg().map(round),
};
console.log(JSON.stringify(result, null, 2));
process.stderr.write(`\n$ npm run -s sync -- status   (against the benchmark's gateway, after both runs)\n${status.stdout}${status.stderr}`);
process.exitCode = remoteExports === CUSTOMERS ? 0 : 1;

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
