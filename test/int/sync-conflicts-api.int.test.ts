import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { recordConflicts } from '../../core/sync/conflicts.js';
import { CreateCustomer, CustomerConflicts, ListSyncConflicts } from '../graphql/operations.js';
import { startTestGateway } from '../support/gateway.js';
import { data, execute } from '../support/graphql-client.js';
import { testStack, uniqueName } from '../support/stack.js';

// The conflict record through GraphQL: syncConflicts (a Relay connection with filters) and
// Customer.syncConflicts. The merge that writes these rows is tested end to end elsewhere.

const db = createDatabase(testStack.databaseUrl);
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.stop();
  await db.close();
});

describe('syncConflicts', () => {
  it('lists conflicts newest first, filtered by entity and kind, page by page, and per customer', async () => {
    const created = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('conflicts')}@example.com` } });
    if (created.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(created.createCustomer.__typename);
    const id = created.createCustomer.customer.id;
    const about = { catalog: 'customer', entityId: id, integration: 'stripe', remoteId: 'cus_conflicts' };
    await recordConflicts(db.prisma, [{ ...about, kind: 'FIELD', field: 'name', localValue: 'Local', remoteValue: 'Remote', winner: 'remote', policy: 'latest' }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await recordConflicts(db.prisma, [{ ...about, kind: 'FIELD', field: 'metadata.plan', localValue: 'pro', remoteValue: null, winner: 'local', policy: 'latest' }]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await recordConflicts(db.prisma, [{ ...about, kind: 'DUPLICATE_REMOTE', field: 'email', localValue: 'cus_a', remoteValue: 'cus_b', winner: 'none', policy: 'links-are-never-stolen' }]);

    const first = await data(gateway.url, ListSyncConflicts, { first: 2, filter: { entityId: id } });
    expect(first.syncConflicts.totalCount).toBe(3);
    expect(first.syncConflicts.edges.map((edge) => edge.node.kind)).toEqual(['DUPLICATE_REMOTE', 'FIELD']);
    expect(first.syncConflicts.edges[1]?.node).toMatchObject({ field: 'metadata.plan', localValue: 'pro', remoteValue: null, winner: 'local', policy: 'latest' });
    const rest = await data(gateway.url, ListSyncConflicts, { first: 2, after: first.syncConflicts.pageInfo.endCursor, filter: { entityId: id } });
    expect(rest.syncConflicts.edges.map((edge) => edge.node.field)).toEqual(['name']);
    expect(rest.syncConflicts.pageInfo.hasNextPage).toBe(false);

    const fields = await data(gateway.url, ListSyncConflicts, { filter: { entityId: id, kind: 'FIELD' } });
    expect(fields.syncConflicts.totalCount).toBe(2);

    const perCustomer = await data(gateway.url, CustomerConflicts, { id });
    expect(perCustomer.customer?.syncConflicts.map((conflict) => conflict.kind)).toEqual(['DUPLICATE_REMOTE', 'FIELD', 'FIELD']);

    const bad = await execute(gateway.url, ListSyncConflicts, { filter: { entityId: 'not-a-uuid' } });
    expect(bad.errors?.[0]?.message).toMatch(/entityId/);
  });
});
