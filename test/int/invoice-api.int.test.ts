import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { readChangeEnvelope } from '../../core/events/envelope.js';
import { data, execute } from '../support/graphql-client.js';
import { startTestGateway } from '../support/gateway.js';
import { testStack, uniqueName } from '../support/stack.js';
import { CreateCustomer, CreateInvoice, CustomerInvoices, FinalizeInvoice, GetInvoice, ListInvoices, MarkInvoicePaid, UpdateInvoice, VoidInvoice } from '../graphql/operations.js';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
const db = createDatabase(testStack.databaseUrl);
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway.stop();
  await db.close();
});

async function customer(): Promise<string> {
  const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('inv')}@example.com` } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer.id;
}

const lines = [
  { description: 'Consulting', quantity: 3, unitAmount: 15_000 },
  { description: 'Travel', quantity: 1, unitAmount: 4_250 },
];

async function draft(customerId: string, extra: Record<string, unknown> = {}) {
  const result = await data(gateway.url, CreateInvoice, { input: { customerId, currency: 'EUR', lines, ...extra } });
  if (result.createInvoice.__typename !== 'CreateInvoiceSuccess') throw new Error(JSON.stringify(result.createInvoice));
  return result.createInvoice.invoice;
}

describe('invoice API (GraphQL over HTTP, real Postgres)', () => {
  it('creates a draft with computed amounts and total, reads it back, and lists it under its customer', async () => {
    const customerId = await customer();
    const invoice = await draft(customerId, { dueDate: '2026-12-31', metadata: { po: 'PO-7' } });
    expect(invoice).toMatchObject({
      customerId,
      currency: 'eur',
      status: 'DRAFT',
      total: 49_250,
      dueDate: '2026-12-31',
      lines: [
        { description: 'Consulting', quantity: 3, unitAmount: 15_000, amount: 45_000 },
        { description: 'Travel', quantity: 1, unitAmount: 4_250, amount: 4_250 },
      ],
      metadata: { po: 'PO-7' },
      version: 1,
      syncStates: [],
    });
    expect((await data(gateway.url, GetInvoice, { id: invoice.id })).invoice).toEqual(invoice);
    const listed = await data(gateway.url, CustomerInvoices, { id: customerId });
    expect(listed.customer?.invoices.totalCount).toBe(1);
    expect(listed.customer?.invoices.edges[0]?.node).toEqual({ id: invoice.id, status: 'DRAFT' });
  });

  it('returns typed errors: bad input per field, unknown customer, unknown invoice', async () => {
    const customerId = await customer();
    const bad = await data(gateway.url, CreateInvoice, { input: { customerId, currency: 'euro', lines: [{ description: ' ', quantity: 0, unitAmount: -1 }] } });
    expect(bad.createInvoice.__typename).toBe('ValidationError');
    if (bad.createInvoice.__typename === 'ValidationError') {
      expect(bad.createInvoice.fields.map((field) => field.field).sort()).toEqual(['currency', 'lines.0.description', 'lines.0.quantity', 'lines.0.unitAmount']);
    }
    const empty = await data(gateway.url, CreateInvoice, { input: { customerId, currency: 'usd', lines: [] } });
    expect(empty.createInvoice).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'lines' }] });
    const unknown = await data(gateway.url, CreateInvoice, { input: { customerId: '00000000-0000-4000-8000-000000000000', currency: 'usd', lines } });
    expect(unknown.createInvoice).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND', id: '00000000-0000-4000-8000-000000000000' });
    const missing = await data(gateway.url, FinalizeInvoice, { id: '00000000-0000-4000-8000-000000000001' });
    expect(missing.finalizeInvoice).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await data(gateway.url, VoidInvoice, { id: 'not-a-uuid' })).voidInvoice).toMatchObject({ __typename: 'NotFoundError' });
  });

  it('moves through its lifecycle; a draft only is editable and each step checks the status it starts from', async () => {
    const customerId = await customer();
    const invoice = await draft(customerId);
    const edited = await data(gateway.url, UpdateInvoice, { id: invoice.id, input: { lines: [{ description: 'Audit', quantity: 2, unitAmount: 1_000 }], dueDate: '2027-01-15' } });
    expect(edited.updateInvoice).toMatchObject({ __typename: 'UpdateInvoiceSuccess', invoice: { total: 2_000, dueDate: '2027-01-15', version: 2 } });
    expect((await data(gateway.url, MarkInvoicePaid, { id: invoice.id })).markInvoicePaid).toMatchObject({ __typename: 'InvalidInvoiceTransitionError', code: 'INVALID_TRANSITION', status: 'DRAFT' });
    expect((await data(gateway.url, FinalizeInvoice, { id: invoice.id })).finalizeInvoice).toMatchObject({ __typename: 'FinalizeInvoiceSuccess', invoice: { status: 'OPEN', version: 3 } });
    const late = await data(gateway.url, UpdateInvoice, { id: invoice.id, input: { dueDate: null } });
    expect(late.updateInvoice).toMatchObject({ __typename: 'InvalidInvoiceTransitionError', status: 'OPEN' });
    expect((await data(gateway.url, MarkInvoicePaid, { id: invoice.id })).markInvoicePaid).toMatchObject({ __typename: 'MarkInvoicePaidSuccess', invoice: { status: 'PAID' } });
    expect((await data(gateway.url, VoidInvoice, { id: invoice.id })).voidInvoice).toMatchObject({ __typename: 'InvalidInvoiceTransitionError', status: 'PAID' });
    const voided = await draft(customerId);
    expect((await data(gateway.url, VoidInvoice, { id: voided.id })).voidInvoice).toMatchObject({ __typename: 'VoidInvoiceSuccess', invoice: { status: 'VOID' } });
  });

  it('pages and filters by customer and status', async () => {
    const [first, second] = [await customer(), await customer()];
    const made = [await draft(first), await draft(first), await draft(first), await draft(second)];
    await data(gateway.url, FinalizeInvoice, { id: made[1]!.id });
    const page1 = await data(gateway.url, ListInvoices, { first: 2, filter: { customerId: first } });
    expect(page1.invoices.totalCount).toBe(3);
    expect(page1.invoices.pageInfo.hasNextPage).toBe(true);
    const page2 = await data(gateway.url, ListInvoices, { first: 2, after: page1.invoices.pageInfo.endCursor, filter: { customerId: first } });
    expect([...page1.invoices.edges, ...page2.invoices.edges].map((edge) => edge.node.id)).toEqual(made.slice(0, 3).map((invoice) => invoice.id));
    expect(page2.invoices.pageInfo.hasNextPage).toBe(false);
    const open = await data(gateway.url, ListInvoices, { filter: { customerId: first, status: 'OPEN' } });
    expect(open.invoices.edges.map((edge) => edge.node.id)).toEqual([made[1]!.id]);
    const badFilter = await execute(gateway.url, ListInvoices, { filter: { customerId: 'nope' } });
    expect(badFilter.errors?.[0]?.message).toMatch(/customer id/);
  });

  it("publishes each change keyed by the invoice's customer, so it never overtakes the customer's own changes", async () => {
    const customerId = await customer();
    const invoice = await draft(customerId);
    await data(gateway.url, FinalizeInvoice, { id: invoice.id });
    const rows = await db.prisma.outboxEvent.findMany({ where: { payload: { path: ['entityId'], equals: invoice.id } }, orderBy: { seq: 'asc' } });
    expect(rows.map((row) => row.key)).toEqual([customerId, customerId]);
    const envelopes = rows.map((row) => readChangeEnvelope(row.payload));
    expect(envelopes.map((envelope) => [envelope.type, envelope.schemaVersion, envelope.version])).toEqual([['invoice.created', 2, 1], ['invoice.updated', 2, 2]]);
    expect(envelopes[1]).toMatchObject({ catalog: 'invoice', data: { status: 'OPEN', total: 49_250, customerId } });
  });
});
