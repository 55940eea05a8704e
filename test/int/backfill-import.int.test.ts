import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as syncCli } from '../../cli/sync.js';
import { CreateCustomer } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';

// Issue #11: import of 500 Stripe customers, of which 100 are already linked and 50 match a local
// customer by email, ends with 500 linked and 0 duplicates, even when the run is killed midway and
// resumed by another process from its cursor. Started through the CLI, executed in the processes.

const topics = uniqueTopics();
const stripe = localstripe();
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
const prefix = uniqueName('import');
const emailOf = (label: string, i: number) => `${prefix}-${label}-${i}@example.com`;
const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>> | undefined;
const remoteIds: string[] = [];
// The run's processes: one page a second (a page is one request, bulk work at a budget of 1
// request/s), slow enough to stop the process between pages. The setup's process is not limited.
const startIntegrations = (env: Record<string, string> = {}) => startTestIntegrations(topics, { STRIPE_RATE_LIMIT: '1', SYNC_RUN_LEASE_S: '60', ...env });
// During the import, localstripe's webhooks (sent about 1 s after each create) go nowhere: what
// the catalog learns, it learns from the import.
const withoutWebhooks = { INTEGRATIONS_PUBLIC_URL: 'http://127.0.0.1:9' };

async function inBatches<T>(count: number, size: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += size) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(size, count - start) }, (_, k) => make(start + k)))));
  }
  return results;
}

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
  // 100 local customers synced live: linked pairs.
  const linked = await inBatches(100, 10, async (i) => {
    const result = await data(gateway.url, CreateCustomer, { input: { email: emailOf('linked', i), name: `Linked ${i}` } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    return result.createCustomer.customer.id;
  });
  const rows = await eventually(async () => {
    const { rows } = await sql.query<{ remote_id: string }>(`SELECT remote_id FROM id_mapping WHERE local_id = ANY($1::uuid[]) AND status = 'SYNCED' AND remote_id IS NOT NULL`, [linked]);
    return rows.length === 100 ? rows : undefined;
  }, 60_000, '100 customers linked');
  remoteIds.push(...rows.map((row) => row.remote_id));
  // No webhooks from here on: the rest exists on one side only, as in a real adoption.
  await integrations.stop();
  integrations = undefined;
  // 50 local customers (an existing catalog, written without events) and 400 Stripe customers: 50
  // with those emails, 350 new.
  await sql.query(
    `INSERT INTO customer (id, email, name) SELECT gen_random_uuid(), $1 || '-byemail-' || i || '@example.com', 'Local ' || i FROM generate_series(0, 49) i`,
    [prefix],
  );
  const created = await inBatches(400, 10, (i) =>
    stripe.customers.create(i < 50 ? { email: emailOf('byemail', i), name: `Remote ${i}` } : { email: emailOf('new', i), name: `New ${i}` }),
  );
  remoteIds.push(...created.map((customer) => customer.id));
}, 300_000);

afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await sql.end();
});

async function run(id: string) {
  const { rows } = await sql.query<{ status: string; cursor: string | null; pages: number; seen: number; linked: number; created: number; skipped: number }>('SELECT * FROM sync_run WHERE id = $1', [id]);
  return rows[0]!;
}

describe('backfill import', () => {
  it('links 100 existing pairs, 50 by email and creates 350; killed midway, it resumes from its cursor', async () => {
    process.env.CATALOG_GATEWAY_URL = gateway.url;
    process.env.CATALOG_API_KEY = testCredentials.admin;
    const lines: string[] = [];
    await syncCli(['backfill', 'stripe', '--direction', 'import', '--since', since.toISOString(), '--no-follow'], (line) => lines.push(line));
    const runId = /started import run ([0-9a-f-]{36})/.exec(lines[0] ?? '')?.[1];
    expect(runId, lines.join('\n')).toBeDefined();

    integrations = await startIntegrations(withoutWebhooks);
    // Kill it after some pages but before the end (one page a second).
    await eventually(async () => ((await run(runId!)).pages >= 2 ? true : undefined), 30_000, 'two pages done');
    await integrations.stop();
    integrations = undefined;
    const stopped = await run(runId!);
    expect(stopped.status).toBe('RUNNING');
    expect(stopped.cursor).not.toBeNull();
    expect(stopped.seen).toBeLessThan(500);

    integrations = await startIntegrations(withoutWebhooks);
    const done = await eventually(async () => {
      const current = await run(runId!);
      return current.status === 'SUCCEEDED' ? current : undefined;
    }, 60_000, 'run finished');
    // Other test files' Stripe customers are older than `since`; every one of ours was seen once.
    expect(done.seen).toBe(500);
    expect({ linked: done.linked, created: done.created, skipped: done.skipped }).toEqual({ linked: 50, created: 350, skipped: 100 });

    // 500 linked, 0 duplicates: every remote id maps to its own live local customer.
    await eventually(async () => {
      const { rows } = await sql.query<{ links: string; locals: string }>(
        `SELECT count(*) AS links, count(DISTINCT m.local_id) AS locals FROM id_mapping m JOIN customer c ON c.id = m.local_id AND c.deleted_at IS NULL
          WHERE m.remote_system = 'stripe' AND m.remote_id = ANY($1::text[])`,
        [remoteIds],
      );
      return rows[0]!.links === '500' && rows[0]!.locals === '500' ? true : undefined;
    }, 60_000, '500 linked');
    const { rows } = await sql.query<{ count: string }>(`SELECT count(*) FROM customer WHERE email LIKE $1 AND deleted_at IS NULL`, [`${prefix}-%`]);
    expect(rows[0]!.count).toBe('500');
  }, 180_000);
});
