import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, execute } from '../support/graphql-client.js';
import { startTestGateway } from '../support/gateway.js';
import { uniqueName } from '../support/stack.js';
import type { ListCustomersQuery } from '../../generated/graphql/graphql.js';
import { CreateCustomer, DeleteCustomer, GetCustomer, GetNode, ListCustomers, UpdateCustomer } from '../graphql/operations.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.stop());

const email = (label: string) => `${uniqueName(label)}@example.com`;

async function create(input: Parameters<typeof createInput>[0] = {}) {
  const result = await data(gateway.url, CreateCustomer, { input: createInput(input) });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer;
}
function createInput(input: { email?: string; name?: string }) {
  return { email: input.email ?? email('api'), name: input.name ?? 'Ada Lovelace' };
}

describe('customer API (GraphQL over HTTP, real Postgres)', () => {
  it('creates a customer with every field and reads it back', async () => {
    const address = { line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'de' };
    const result = await data(gateway.url, CreateCustomer, {
      input: { email: '  Ada.Lovelace+X@Example.COM ', name: 'Ada', phone: '+49 30 123456', address, metadata: { tier: 'gold', seats: 3 } },
    });
    expect(result.createCustomer.__typename).toBe('CreateCustomerSuccess');
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') return;
    const created = result.createCustomer.customer;
    expect(created).toMatchObject({
      email: 'ada.lovelace+x@example.com',
      name: 'Ada',
      phone: '+49 30 123456',
      address: { ...address, country: 'DE', line2: null, state: null },
      metadata: { tier: 'gold', seats: 3 },
      version: 1,
      syncStates: [],
    });
    const read = await data(gateway.url, GetCustomer, { id: created.id });
    expect(read.customer).toEqual(created);
    await data(gateway.url, DeleteCustomer, { id: created.id });
  });

  it('updates only the given fields, clears fields set to null, and bumps the version', async () => {
    const created = await create({ name: 'Before' });
    const updated = await data(gateway.url, UpdateCustomer, { id: created.id, input: { phone: '+1 555 0100', name: null } });
    expect(updated.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    if (updated.updateCustomer.__typename !== 'UpdateCustomerSuccess') return;
    expect(updated.updateCustomer.customer).toMatchObject({ email: created.email, name: null, phone: '+1 555 0100', version: 2 });
    expect(Date.parse(updated.updateCustomer.customer.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
  });

  it('deletes a customer: gone from queries, node and lists, and a second delete is not found', async () => {
    const created = await create();
    const deleted = await data(gateway.url, DeleteCustomer, { id: created.id });
    expect(deleted.deleteCustomer).toEqual({ __typename: 'DeleteCustomerSuccess', deletedId: created.id });
    expect((await data(gateway.url, GetCustomer, { id: created.id })).customer).toBeNull();
    expect((await data(gateway.url, GetNode, { id: created.id })).node).toBeNull();
    const list = await data(gateway.url, ListCustomers, { first: 10, filter: { email: created.email } });
    expect(list.customers.totalCount).toBe(0);
    const again = await data(gateway.url, DeleteCustomer, { id: created.id });
    expect(again.deleteCustomer).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', id: created.id });
  });

  it('resolves a customer through node(id)', async () => {
    const created = await create();
    expect((await data(gateway.url, GetNode, { id: created.id })).node).toEqual({ __typename: 'Customer', id: created.id, email: created.email });
  });

  describe('typed errors', () => {
    it('ValidationError lists every invalid field', async () => {
      const result = await data(gateway.url, CreateCustomer, {
        input: { email: 'not-an-email', phone: 'call me', address: { country: 'Germany' }, metadata: { nested: { no: 1 } } },
      });
      expect(result.createCustomer.__typename).toBe('ValidationError');
      if (result.createCustomer.__typename !== 'ValidationError') return;
      expect(result.createCustomer.code).toBe('VALIDATION_FAILED');
      expect(result.createCustomer.fields.map((field) => field.field).sort()).toEqual(['address.country', 'email', 'metadata.nested', 'phone']);
    });

    it('EmailTakenError on create and on update, case-insensitively', async () => {
      const first = await create();
      const second = await create();
      const duplicate = await data(gateway.url, CreateCustomer, { input: { email: first.email.toUpperCase() } });
      expect(duplicate.createCustomer).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN', email: first.email });
      const clash = await data(gateway.url, UpdateCustomer, { id: second.id, input: { email: first.email } });
      expect(clash.updateCustomer).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    });

    it('NotFoundError for an unknown id; ValidationError for a malformed one', async () => {
      const unknown = '00000000-0000-4000-8000-000000000000';
      const missing = await data(gateway.url, UpdateCustomer, { id: unknown, input: { name: 'x' } });
      expect(missing.updateCustomer).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', id: unknown });
      const malformed = await data(gateway.url, UpdateCustomer, { id: 'nope', input: { name: 'x' } });
      expect(malformed.updateCustomer).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'id' }] });
      expect((await data(gateway.url, DeleteCustomer, { id: unknown })).deleteCustomer).toMatchObject({ __typename: 'NotFoundError' });
    });

    it('bad query arguments are GraphQL errors with extensions.code', async () => {
      const tooMany = await execute(gateway.url, ListCustomers, { first: 101 });
      expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const badId = await execute(gateway.url, GetCustomer, { id: 'not-a-uuid' });
      expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // Pothos's own connection-argument errors get the same code (found by schemathesis).
      const badCursor = await execute(gateway.url, ListCustomers, { first: 1, after: 'not-a-cursor' });
      expect(badCursor.errors?.[0]).toMatchObject({ message: 'Invalid cursor: not-a-cursor', extensions: { code: 'BAD_USER_INPUT' } });
      const bothWays = await execute(gateway.url, ListCustomers, { first: 1, before: 'x' });
      expect(bothWays.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const negative = await execute(gateway.url, ListCustomers, { last: -1 });
      expect(negative.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('customers connection', () => {
    const prefix = uniqueName('page');
    const emails: string[] = [];
    beforeAll(async () => {
      for (let index = 0; index < 7; index += 1) {
        const address = `${prefix}-${index}@example.com`;
        emails.push(address);
        await create({ email: address, name: `Pager ${prefix} ${index}` });
      }
    });

    it('pages forwards with first/after', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: ListCustomersQuery = await data(gateway.url, ListCustomers, { first: 3, after, filter: { search: prefix } });
        expect(page.customers.totalCount).toBe(7);
        seen.push(...page.customers.edges.map((edge) => edge.node.email));
        if (!page.customers.pageInfo.hasNextPage) break;
        after = page.customers.pageInfo.endCursor ?? null;
      }
      expect(seen).toEqual(emails);
    });

    it('pages backwards with last/before', async () => {
      const seen: string[] = [];
      let before: string | null = null;
      for (;;) {
        const page: ListCustomersQuery = await data(gateway.url, ListCustomers, { last: 3, before, filter: { search: prefix } });
        seen.unshift(...page.customers.edges.map((edge) => edge.node.email));
        if (!page.customers.pageInfo.hasPreviousPage) break;
        before = page.customers.pageInfo.startCursor ?? null;
      }
      expect(seen).toEqual(emails);
    });

    it('orders by a field in either direction', async () => {
      const page = await data(gateway.url, ListCustomers, { first: 10, filter: { search: prefix }, orderBy: { field: 'EMAIL', direction: 'DESC' } });
      expect(page.customers.edges.map((edge) => edge.node.email)).toEqual([...emails].reverse());
    });

    it('filters by exact email (any case) and by search on email or name', async () => {
      const exact = await data(gateway.url, ListCustomers, { first: 10, filter: { email: emails[2]!.toUpperCase() } });
      expect(exact.customers.edges.map((edge) => edge.node.email)).toEqual([emails[2]]);
      // Matches on the name (case-insensitively), not only on the email.
      const byName = await data(gateway.url, ListCustomers, { first: 10, filter: { search: `PAGER ${prefix.toUpperCase()} 4` } });
      expect(byName.customers.edges.map((edge) => edge.node.email)).toEqual([emails[4]]);
      const none = await data(gateway.url, ListCustomers, { first: 10, filter: { search: `${prefix}-x` } });
      expect(none.customers).toMatchObject({ totalCount: 0, edges: [] });
    });
  });
});
