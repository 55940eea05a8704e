import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as syncCli } from '../../cli/sync.js';
import { pruneRetention } from '../../server/retention/retention.js';
import { CreateCustomer } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';

// Issue #11: `erase-customer <id>` removes one customer's personal data from every table and
// tombstone; retention prunes processed events, conflicts, tombstones' personal fields and
// dead-letter details older than the configured days.

const topics = uniqueTopics();
const stripe = localstripe();
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 3 });
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
  process.env.CATALOG_GATEWAY_URL = gateway.url;
  process.env.CATALOG_API_KEY = testCredentials.admin;
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await sql.end();
});

/** Every place in the sync tables where `needle` (a personal value) appears. */
async function occurrences(needle: string, id: string): Promise<string[]> {
  const like = `%${needle}%`;
  const checks: Array<[string, string]> = [
    ['customer', `SELECT 1 FROM customer WHERE id = $2 AND (email LIKE $1 OR name LIKE $1 OR phone LIKE $1 OR address::text LIKE $1 OR metadata::text LIKE $1)`],
    ['id_mapping', `SELECT 1 FROM id_mapping WHERE local_id = $2 AND (coalesce(base::text, '') || coalesce(pending_request::text, '') || coalesce(parked_change::text, '') || coalesce(last_error, '')) LIKE $1`],
    ['sync_conflict', `SELECT 1 FROM sync_conflict WHERE entity_id = $2 OR local_value::text LIKE $1 OR remote_value::text LIKE $1`],
    ['outbox_event', `SELECT 1 FROM outbox_event WHERE key = $2::text OR payload::text LIKE $1`],
  ];
  const found: string[] = [];
  for (const [table, query] of checks) if ((await sql.query(query, [like, id])).rowCount) found.push(table);
  return found;
}

describe('retention and erasure', () => {
  it('erase-customer removes one customer\'s personal data from every table and its remote copy', async () => {
    const email = `${uniqueName('erase')}@example.com`;
    const result = await data(gateway.url, CreateCustomer, { input: { email, name: 'Erin Erasable', phone: '+15550123', metadata: { note: 'private' } } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const id = result.createCustomer.customer.id;
    const remoteId = await eventually(async () => {
      const { rows } = await sql.query<{ remote_id: string }>(`SELECT remote_id FROM id_mapping WHERE local_id = $1 AND status = 'SYNCED' AND remote_id IS NOT NULL`, [id]);
      return rows[0]?.remote_id;
    }, 30_000, 'customer in Stripe');
    await sql.query(
      `INSERT INTO sync_conflict (id, catalog, entity_id, integration, remote_id, kind, field, local_value, remote_value, winner, policy)
       VALUES (gen_random_uuid(), 'customer', $1, 'stripe', $2, 'FIELD', 'name', '"Erin Erasable"', '"Erin E."', 'local', 'latest')`,
      [id, remoteId],
    );
    expect(await occurrences(email, id)).toEqual(expect.arrayContaining(['customer', 'id_mapping']));

    const lines: string[] = [];
    await syncCli(['erase-customer', id], (line) => lines.push(line));
    expect(lines).toEqual([`erased customer ${id}`]);
    expect(await occurrences(email, id)).toEqual([]);
    expect(await occurrences('Erin', id)).toEqual([]);
    const { rows } = await sql.query(`SELECT email, name, phone, address, metadata, deleted_at FROM customer WHERE id = $1`, [id]);
    expect(rows[0]).toMatchObject({ email: `erased-${id}@erased.invalid`, name: null, phone: null, address: null, metadata: null, deleted_at: expect.any(Date) });
    // The delete went out as any delete does: the Stripe customer is gone too.
    // (localstripe answers 404 for a deleted customer; Stripe answers it with deleted: true.)
    await eventually(
      () => stripe.customers.retrieve(remoteId).then((customer) => (customer as { deleted?: boolean }).deleted === true || undefined, (error: { statusCode?: number }) => (error.statusCode === 404 ? true : undefined)),
      30_000,
      'deleted in Stripe',
    );

    const again: string[] = [];
    await syncCli(['erase-customer', '00000000-0000-4000-8000-000000000000'], (line) => again.push(line));
    expect(again).toEqual(['no customer 00000000-0000-4000-8000-000000000000']);
  }, 120_000);

  it('prunes processed events, conflicts, tombstones\' personal fields and dead-letter details older than the retention', async () => {
    const tag = uniqueName('retain');
    const [oldTomb, newTomb] = [`${tag}-old@example.com`, `${tag}-new@example.com`];
    const { rows: customers } = await sql.query<{ id: string }>(
      `INSERT INTO customer (id, email, name, deleted_at) VALUES (gen_random_uuid(), $1, 'Old', now() - interval '40 days'), (gen_random_uuid(), $2, 'New', now() - interval '1 day') RETURNING id::text`,
      [oldTomb, newTomb],
    );
    const [oldId, newId] = customers.map((row) => row.id) as [string, string];
    await sql.query(`INSERT INTO processed_event (consumer, event_id, processed_at) VALUES ($1, 'old', now() - interval '40 days'), ($1, 'new', now())`, [tag]);
    await sql.query(
      `INSERT INTO sync_conflict (id, catalog, entity_id, integration, kind, field, winner, policy, created_at)
       VALUES (gen_random_uuid(), 'customer', $1, $3, 'FIELD', 'name', 'local', 'latest', now() - interval '40 days'),
              (gen_random_uuid(), 'customer', $2, $3, 'FIELD', 'name', 'local', 'latest', now())`,
      [oldId, newId, tag],
    );
    await sql.query(
      `INSERT INTO id_mapping (id, catalog, local_id, remote_system, status, last_error, updated_at)
       VALUES (gen_random_uuid(), 'customer', $1, $3, 'FAILED', 'old error', now() - interval '40 days'),
              (gen_random_uuid(), 'customer', $2, $3, 'FAILED', 'new error', now())`,
      [oldId, newId, tag],
    );

    const counts = await pruneRetention(sql, 30);
    expect(counts.processedEvents).toBeGreaterThanOrEqual(1);
    const left = async (query: string) => (await sql.query(query, [tag])).rows.map((row) => Object.values(row)[0]);
    expect(await left(`SELECT event_id FROM processed_event WHERE consumer = $1`)).toEqual(['new']);
    expect(await left(`SELECT entity_id::text FROM sync_conflict WHERE integration = $1`)).toEqual([newId]);
    expect(await left(`SELECT last_error FROM id_mapping WHERE remote_system = $1 ORDER BY last_error NULLS FIRST`)).toEqual([null, 'new error']);
    const { rows: tombs } = await sql.query<{ id: string; email: string; name: string | null }>(`SELECT id::text, email, name FROM customer WHERE id = ANY($1::uuid[]) ORDER BY name NULLS FIRST`, [[oldId, newId]]);
    expect(tombs).toEqual([
      { id: oldId, email: `erased-${oldId}@erased.invalid`, name: null },
      { id: newId, email: newTomb, name: 'New' },
    ]);
    // Idempotent: nothing of ours left to prune.
    await pruneRetention(sql, 30);
    expect(await left(`SELECT event_id FROM processed_event WHERE consumer = $1`)).toEqual(['new']);
  }, 60_000);
});
