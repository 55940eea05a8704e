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

// Issue #11: `reconcile` finds drift planted directly in each side's data (Postgres through SQL,
// localstripe through its API with webhooks and catch-up off), reports it by field with a sample,
// reports orphans on both sides, and with --repair remote makes Stripe take the local values.

const topics = uniqueTopics();
const stripe = localstripe();
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
const prefix = uniqueName('reconcile');
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;
let since: Date;
const pairs: Array<{ id: string; remoteId: string }> = [];
let remoteOrphan: string;

interface Report {
  driftByField: Record<string, number>;
  driftedPairs: number;
  sample: Array<{ customerId: string; remoteId: string; field: string; local: unknown; remote: unknown }>;
  remoteOrphans: { count: number; sample: string[] };
  localOrphans: { count: number; sample: Array<{ customerId: string; remoteId: string }> };
  repaired: number;
}

beforeAll(async () => {
  since = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
  gateway = await startTestGateway(topics);
  // Webhooks go nowhere and catch-up is off (the test default): drift planted remotely stays unseen.
  integrations = await startTestIntegrations(topics, { INTEGRATIONS_PUBLIC_URL: 'http://127.0.0.1:9', STRIPE_CATCHUP_INTERVAL_S: '0' });
  for (let i = 0; i < 4; i += 1) {
    const result = await data(gateway.url, CreateCustomer, { input: { email: `${prefix}-${i}@example.com`, name: `Pair ${i}`, phone: '+15550100' } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const id = result.createCustomer.customer.id;
    const remoteId = await eventually(async () => {
      const { rows } = await sql.query<{ remote_id: string }>(`SELECT remote_id FROM id_mapping WHERE local_id = $1 AND status = 'SYNCED' AND remote_id IS NOT NULL`, [id]);
      return rows[0]?.remote_id;
    }, 30_000, 'pair linked');
    pairs.push({ id, remoteId });
  }
  // Drift: pair 0's name changed in Postgres, pair 1's phone in Stripe; pair 2's remote object
  // deleted in Stripe (a local orphan); a Stripe customer nobody links (a remote orphan).
  await sql.query(`UPDATE customer SET name = 'Drifted locally' WHERE id = $1`, [pairs[0]!.id]);
  await stripe.customers.update(pairs[1]!.remoteId, { phone: '+15559999' });
  await stripe.customers.del(pairs[2]!.remoteId);
  remoteOrphan = (await stripe.customers.create({ email: `${prefix}-orphan@example.com`, name: 'Orphan' })).id;
}, 120_000);

afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await sql.end();
});

async function reconcile(args: string[]): Promise<{ run: { status: string; updated: number }; report: Report }> {
  process.env.CATALOG_GATEWAY_URL = gateway.url;
  process.env.CATALOG_API_KEY = testCredentials.admin;
  const lines: string[] = [];
  await syncCli(['reconcile', 'stripe', '--since', since.toISOString(), '--no-follow', ...args], (line) => lines.push(line));
  const runId = /started reconcile run ([0-9a-f-]{36})/.exec(lines.join('\n'))?.[1];
  expect(runId, lines.join('\n')).toBeDefined();
  return eventually(async () => {
    const { rows } = await sql.query<{ status: string; updated: number; report: Report; error: string | null }>('SELECT status, updated, report, error FROM sync_run WHERE id = $1', [runId]);
    const run = rows[0]!;
    if (run.status === 'FAILED') throw new Error(`reconcile failed: ${run.error}`);
    return run.status === 'SUCCEEDED' ? { run, report: run.report } : undefined;
  }, 60_000, 'reconcile run finished');
}

describe('reconcile stripe', () => {
  it('reports drift by field with a sample and orphans on both sides, then repairs the remote side', async () => {
    const found = await reconcile([]);
    expect(found.report.driftByField).toEqual({ name: 1, phone: 1 });
    expect(found.report.driftedPairs).toBe(2);
    expect(found.report.sample).toEqual(
      expect.arrayContaining([
        { customerId: pairs[0]!.id, remoteId: pairs[0]!.remoteId, field: 'name', local: 'Drifted locally', remote: 'Pair 0' },
        { customerId: pairs[1]!.id, remoteId: pairs[1]!.remoteId, field: 'phone', local: '+15550100', remote: '+15559999' },
      ]),
    );
    expect(found.report.remoteOrphans.sample).toContain(remoteOrphan);
    expect(found.report.localOrphans.sample).toEqual([{ customerId: pairs[2]!.id, remoteId: pairs[2]!.remoteId }]);
    expect(found.report.repaired).toBe(0);
    // Nothing was changed by the report: Stripe still holds the drift.
    expect((await stripe.customers.retrieve(pairs[0]!.remoteId)) as { name: string }).toMatchObject({ name: 'Pair 0' });

    const repaired = await reconcile(['--repair', 'remote']);
    expect(repaired.report.repaired).toBe(2);
    expect(repaired.run.updated).toBe(2);
    await eventually(async () => {
      const [first, second] = (await Promise.all([stripe.customers.retrieve(pairs[0]!.remoteId), stripe.customers.retrieve(pairs[1]!.remoteId)])) as Array<{ name: string; phone: string }>;
      return first!.name === 'Drifted locally' && second!.phone === '+15550100' ? true : undefined;
    }, 30_000, 'Stripe repaired');
    // Nothing deleted: the orphans are still there, and a new report finds no drift.
    const after = await reconcile([]);
    expect(after.report.driftedPairs).toBe(0);
    expect(after.report.remoteOrphans.sample).toContain(remoteOrphan);
    expect(after.report.localOrphans.count).toBe(1);
  }, 180_000);
});
