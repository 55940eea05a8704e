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

// Issue #11: `dead-letters replay` brings a FAILED customer to SYNCED once the cause is fixed.
// The cause: metadata over Stripe's 50-key limit (a certain 400), fixed in the data afterwards.

const topics = uniqueTopics();
const stripe = localstripe();
const sql = new pg.Pool({ connectionString: testStack.databaseUrl, max: 2 });
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

const pair = async (id: string) =>
  (await sql.query<{ status: string; remote_id: string | null; last_error: string | null }>(`SELECT status, remote_id, last_error FROM id_mapping WHERE local_id = $1 AND remote_system = 'stripe'`, [id])).rows[0];

describe('dead-letters replay', () => {
  it('lists the FAILED customer with its error, and replay brings it to SYNCED once the cause is fixed', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('dead')}@example.com`, metadata: tooMany } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const id = result.createCustomer.customer.id;
    await eventually(async () => ((await pair(id))?.status === 'FAILED' ? true : undefined), 30_000, 'customer FAILED');

    const listed: string[] = [];
    await syncCli(['dead-letters', 'list', '--integration', 'stripe', '--since', since], (line) => listed.push(line));
    expect(listed.join('\n')).toContain(id);
    expect(listed.join('\n')).toMatch(/metadata has 51 keys/);

    // The cause fixed in the data (as a data migration would), then replayed.
    await sql.query(`UPDATE customer SET metadata = '{"k0":"v"}' WHERE id = $1`, [id]);
    const replayed: string[] = [];
    await syncCli(['dead-letters', 'replay', '--integration', 'stripe', '--since', since], (line) => replayed.push(line));
    expect(replayed.join('\n')).toMatch(/replayed 1\b/);
    const synced = await eventually(async () => {
      const state = await pair(id);
      return state?.status === 'SYNCED' && state.remote_id ? state : undefined;
    }, 30_000, 'customer SYNCED');
    const remote = await stripe.customers.retrieve(synced.remote_id!);
    expect(remote).toMatchObject({ id: synced.remote_id, metadata: { k0: 'v', local_id: id } });
  }, 120_000);
});
