import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { CustomerStore } from '../../server/catalog/customers/customer-store.js';
import { InvoiceStore } from '../../server/catalog/invoices/invoice-store.js';
import { SyncEventHub } from '../../server/sync-events/sync-event-hub.js';
import { parseEnv } from '../../core/config/parse-env.js';
import { createGatewaySecurity } from '../../server/auth/gateway-security.js';
import { gatewayEnv } from '../../server/config.js';
import { createGatewayYoga } from '../../server/yoga.js';
import { ListCustomers } from '../graphql/operations.js';
import { print } from 'graphql';
import { authorizationHeader, testApiKeys } from '../support/credentials.js';
import { testStack, uniqueName } from '../support/stack.js';

// Listing customers with their sync state must cost a constant number of SQL statements, whatever
// the page size (no N+1). Statements are counted where they leave for Postgres: the pg pool.

let statements = 0;
let texts: string[] = [];
const pool = new pg.Pool({ connectionString: testStack.databaseUrl, max: 4 });
const send = pool.query.bind(pool);
pool.query = ((...args: Parameters<typeof send>) => {
  statements += 1;
  const [query] = args as unknown[];
  texts.push(typeof query === 'string' ? query : String((query as { text?: string }).text));
  return send(...args);
}) as typeof pool.query;
// Interactive transactions check a client out of the pool and send BEGIN … COMMIT on it; pool.query
// checks one out too, so a checkout beyond one per pool.query is a transaction.
let checkouts = 0;
const connect = pool.connect.bind(pool);
pool.connect = ((...args: Parameters<typeof connect>) => {
  checkouts += 1;
  return connect(...args);
}) as typeof pool.connect;

const db = createDatabase(testStack.databaseUrl, { pool });
const security = await createGatewaySecurity(parseEnv(gatewayEnv, { API_KEYS: testApiKeys, API_RATE_LIMIT: '0' }));
const yoga = createGatewayYoga({ prisma: db.prisma, customers: new CustomerStore(db.prisma, uniqueName('unused.topic')), invoices: new InvoiceStore(db.prisma, uniqueName('unused.topic')), syncEvents: new SyncEventHub() }, security);
const prefix = uniqueName('count');

beforeAll(async () => {
  for (let index = 0; index < 50; index += 1) {
    const customer = await db.prisma.customer.create({ data: { email: `${prefix}-${index}@example.com` } });
    await db.prisma.idMapping.create({
      data: { catalog: 'customer', localId: customer.id, remoteSystem: 'stripe', remoteId: `cus_${prefix}_${index}`, status: 'SYNCED' },
    });
  }
});
afterAll(() => db.close());

async function countStatements(first: number): Promise<{ count: number; edges: number; states: number }> {
  statements = 0;
  const response = await yoga.fetch('http://yoga/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...authorizationHeader() },
    body: JSON.stringify({ query: print(ListCustomers), variables: { first, filter: { search: prefix } } }),
  });
  const body = (await response.json()) as { data: { customers: { edges: Array<{ node: { syncStates: unknown[] } }> } } };
  const edges = body.data.customers.edges;
  return { count: statements, edges: edges.length, states: edges.reduce((sum, edge) => sum + edge.node.syncStates.length, 0) };
}

describe('SQL statements per customers query', () => {
  it('is the same for 5 and for 50 customers with their syncStates', async () => {
    const small = await countStatements(5);
    const large = await countStatements(50);
    expect(small).toMatchObject({ edges: 5, states: 5 });
    expect(large).toMatchObject({ edges: 50, states: 50 });
    expect(large.count).toBe(small.count);
    // page + totalCount + one batched sync-state load
    expect(large.count).toBeLessThanOrEqual(3);
  });

  it('reads only the columns asked for, and counts only when totalCount is asked for', async () => {
    statements = 0;
    texts = [];
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorizationHeader() },
      body: JSON.stringify({ query: `{ customers(first: 5, filter: { search: "${prefix}" }) { edges { node { id email } } } }` }),
    });
    const body = (await response.json()) as { data: { customers: { edges: Array<{ node: { email: string } }> } } };
    expect(body.data.customers.edges).toHaveLength(5);
    // One statement: the page (no count, no sync states).
    expect(statements).toBe(1);
    const page = texts[0]!;
    expect(page).toMatch(/"email"/);
    for (const column of ['phone', 'address', 'metadata', 'version']) expect(page).not.toMatch(new RegExp(`"${column}"`));
  });

  it('createCustomer writes its row and outbox event in one statement, not an interactive transaction', async () => {
    statements = 0;
    checkouts = 0;
    texts = [];
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authorizationHeader() },
      body: JSON.stringify({
        query: 'mutation($input: CreateCustomerInput!) { createCustomer(input: $input) { __typename ... on CreateCustomerSuccess { customer { id email version } } } }',
        variables: { input: { email: `${prefix}-one-trip@example.com`, name: 'One Trip' } },
      }),
    });
    const body = (await response.json()) as { data: { createCustomer: { __typename: string; customer: { id: string; version: number } } } };
    expect(body.data.createCustomer).toMatchObject({ __typename: 'CreateCustomerSuccess', customer: { version: 1 } });
    // The write: one statement inserting both rows. Then (select mode) the customer's asked-for
    // columns are read by primary key, outside any transaction.
    const writes = texts.filter((text) => /INSERT/i.test(text));
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/INSERT INTO customer[\s\S]*INSERT INTO outbox_event/);
    expect(texts.some((text) => /^\s*BEGIN/i.test(text))).toBe(false);
    expect(checkouts).toBe(statements);
    const event = await db.prisma.outboxEvent.findFirst({ where: { key: body.data.createCustomer.customer.id } });
    expect(event?.payload).toMatchObject({ type: 'customer.created', entityId: body.data.createCustomer.customer.id, version: 1, data: { name: 'One Trip' } });
  });
});
