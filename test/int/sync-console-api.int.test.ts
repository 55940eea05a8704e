import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCustomer, SyncOverview, SyncProblems } from '../graphql/operations.js';
import { testCredentials } from '../support/credentials.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data, execute } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { uniqueName } from '../support/stack.js';

// What the sync console reads: syncOverview (counts) and syncProblems (FAILED and RETRYING pairs).

const topics = uniqueTopics();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
});

async function create(email: string, metadata?: Record<string, unknown>) {
  const result = await data(gateway.url, CreateCustomer, { input: { email, ...(metadata ? { metadata } : {}) } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer;
}

const stripeRow = async (token: string) =>
  (await data(gateway.url, SyncOverview, {}, { token })).syncOverview.integrations.find((row) => row.integration === 'stripe' && row.catalog === 'customer');

describe('syncOverview and syncProblems', () => {
  it('list a customer Stripe rejects as FAILED with a safe error summary, and count it', async () => {
    const before = await stripeRow(testCredentials.syncReader);
    // 50 keys of its own plus local_id: over Stripe's 50-key metadata limit, a certain 400.
    const poison = await create(`${uniqueName('problem')}@example.com`, Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v'])));
    const problem = await eventually(async () => {
      const page = await data(gateway.url, SyncProblems, { first: 50, filter: { status: 'FAILED', integration: 'stripe' } }, { token: testCredentials.syncReader });
      return page.syncProblems.edges.find((edge) => edge.node.customerId === poison.id)?.node;
    }, 15_000, 'the rejected customer among the problems');
    expect(problem).toMatchObject({ catalog: 'customer', entityId: poison.id, integration: 'stripe', status: 'FAILED', lastError: expect.stringMatching(/metadata has 51 keys/) });
    expect(problem.lastError).not.toMatch(/sk_test|https?:\/\//);

    const after = await stripeRow(testCredentials.syncReader);
    expect(after!.failed).toBeGreaterThanOrEqual((before?.failed ?? 0) + 1);

    const retrying = await data(gateway.url, SyncProblems, { first: 50, filter: { status: 'RETRYING' } }, { token: testCredentials.syncReader });
    expect(retrying.syncProblems.edges.every((edge) => edge.node.status === 'RETRYING')).toBe(true);
  });

  it('pages through problems with first/after', async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    await create(`${uniqueName('page-a')}@example.com`, tooMany);
    await create(`${uniqueName('page-b')}@example.com`, tooMany);
    await eventually(async () => {
      const page = await data(gateway.url, SyncProblems, { first: 1 }, {});
      return page.syncProblems.totalCount >= 2 ? true : undefined;
    }, 15_000, 'two problems');
    const first = await data(gateway.url, SyncProblems, { first: 1 }, {});
    expect(first.syncProblems.pageInfo.hasNextPage).toBe(true);
    const second = await data(gateway.url, SyncProblems, { first: 1, after: first.syncProblems.pageInfo.endCursor }, {});
    expect(second.syncProblems.edges[0]!.node.id).not.toBe(first.syncProblems.edges[0]!.node.id);
  });

  it('need sync.read', async () => {
    const overview = await execute(gateway.url, SyncOverview, {}, { token: testCredentials.reader });
    const problems = await execute(gateway.url, SyncProblems, {}, { token: testCredentials.reader });
    expect([overview.errors?.[0]?.extensions?.code, problems.errors?.[0]?.extensions?.code]).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });
});
