import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as syncCli } from '../../cli/sync.js';
import { CreateCustomer, UpdateCustomer } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';
import { startStripeProxy, type StripeProxy } from '../support/stripe-proxy.js';

// Issue #11: export of 300 local customers against a 10/s limit (the Stripe-behaviour proxy answers
// 429 over it) while live changes made during the run each reach Stripe in under 2 s: bulk work
// takes only what live changes leave of the shared rate budget (STRIPE_RATE_LIMIT, a little under
// the proxy's limit so the two buckets' clocks never line up into a 429).

const PROXY_RATE_LIMIT = 10;
const STRIPE_RATE_LIMIT = 9;
const topics = uniqueTopics();
const stripe = localstripe(); // read directly, not through the proxy: the checks cost no budget
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
const prefix = uniqueName('export');
let proxy: StripeProxy;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
const live: Array<{ id: string; remoteId: string }> = [];
let since: Date;

beforeAll(async () => {
  proxy = await startStripeProxy(testStack.localstripeUrl, { faults: { rateLimitPerSecond: PROXY_RATE_LIMIT } });
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics, { STRIPE_API_BASE: proxy.url, STRIPE_RATE_LIMIT: String(STRIPE_RATE_LIMIT) });
  // Five customers synced live before the run: the live changes during it update them.
  for (let i = 0; i < 5; i += 1) {
    const result = await data(gateway.url, CreateCustomer, { input: { email: `${prefix}-live-${i}@example.com`, name: `Live ${i}` } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const id = result.createCustomer.customer.id;
    const remoteId = await eventually(async () => {
      const { rows } = await sql.query<{ remote_id: string }>(`SELECT remote_id FROM id_mapping WHERE local_id = $1 AND status = 'SYNCED' AND remote_id IS NOT NULL`, [id]);
      return rows[0]?.remote_id;
    }, 30_000, 'live customer linked');
    live.push({ id, remoteId });
  }
  // 300 local customers written without events (an existing catalog): the export's work.
  since = (await sql.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
  await sql.query(
    `INSERT INTO customer (id, email, name) SELECT gen_random_uuid(), $1 || '-bulk-' || i || '@example.com', 'Bulk ' || i FROM generate_series(0, 299) i`,
    [prefix],
  );
}, 120_000);

afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await proxy?.close();
  await sql.end();
});

async function linkedBulk(): Promise<number> {
  const { rows } = await sql.query<{ count: string }>(
    `SELECT count(*) FROM customer c JOIN id_mapping m ON m.local_id = c.id AND m.remote_system = 'stripe' AND m.remote_id IS NOT NULL AND m.status = 'SYNCED'
      WHERE c.email LIKE $1`,
    [`${prefix}-bulk-%`],
  );
  return Number(rows[0]!.count);
}

describe('backfill export', () => {
  it('exports 300 customers at the 10/s limit while each live change reaches Stripe in under 2 s', async () => {
    process.env.CATALOG_GATEWAY_URL = gateway.url;
    process.env.CATALOG_API_KEY = testCredentials.admin;
    const lines: string[] = [];
    await syncCli(['backfill', 'stripe', '--direction', 'export', '--since', since.toISOString(), '--no-follow'], (line) => lines.push(line));
    const runId = /started export run ([0-9a-f-]{36})/.exec(lines.join('\n'))?.[1];
    expect(runId, lines.join('\n')).toBeDefined();

    // Live changes while the export runs: one every ~1.5 s, each timed from the mutation's answer
    // until Stripe holds the new name.
    await eventually(async () => ((await linkedBulk()) >= 20 ? true : undefined), 60_000, 'export under way');
    const latenciesMs: number[] = [];
    let round = 0;
    while ((await linkedBulk()) < 260 && round < 30) {
      const target = live[round % live.length]!;
      const name = `Live change ${round}`;
      const result = await data(gateway.url, UpdateCustomer, { id: target.id, input: { name } });
      expect(result.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
      const sent = performance.now();
      await eventually(async () => ((await stripe.customers.retrieve(target.remoteId)) as { name?: string | null }).name === name || undefined, 30_000, 'live change in Stripe');
      latenciesMs.push(Math.round(performance.now() - sent));
      round += 1;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const bulkDuringLive = await linkedBulk();

    await eventually(async () => ((await linkedBulk()) === 300 ? true : undefined), 120_000, '300 exported');
    const { rows } = await sql.query<{ status: string; created: number; seen: number }>('SELECT status, created, seen FROM sync_run WHERE id = $1', [runId]);
    // The figures the issue asks about, printed (no wall-clock threshold on the export itself).
    console.log(JSON.stringify({ export: { customers: 300, run: rows[0], proxy: proxy.counts }, liveChangeLatencyMs: latenciesMs }));
    expect(rows[0]).toMatchObject({ status: 'SUCCEEDED', created: 300, seen: 300 });
    // Live changes were measured while the export was still running, and each took under 2 s.
    expect(latenciesMs.length).toBeGreaterThanOrEqual(5);
    expect(bulkDuringLive).toBeLessThan(300);
    expect(Math.max(...latenciesMs)).toBeLessThan(2_000);
    // One remote customer per local one: no duplicates from the bulk path.
    const { rows: links } = await sql.query<{ remotes: string }>(
      `SELECT count(DISTINCT m.remote_id) AS remotes FROM customer c JOIN id_mapping m ON m.local_id = c.id AND m.remote_system = 'stripe' WHERE c.email LIKE $1`,
      [`${prefix}-bulk-%`],
    );
    expect(links[0]!.remotes).toBe('300');
  }, 300_000);
});
