import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { CreateCustomer, CreateInvoice, GetInvoice, ListCustomers, ListInvoices } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations, testWebhookSecret } from '../support/integrations.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';
import { giveLocalstripeSubscription } from '../support/localstripe-subscription.js';

// Invoices end to end through the real gateway, integrations process, Kafka and localstripe, as far
// as localstripe goes: it builds an invoice only for a customer with a subscription (the fixture
// gives one: a free plan on a trial, so no payment is attempted and no invoice is made by it).

const topics = uniqueTopics();
const stripe = localstripe();
const db = createDatabase(testStack.databaseUrl);
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await db.close();
});

async function mapping(catalog: 'customer' | 'invoice', localId: string) {
  return db.prisma.idMapping.findUnique({ where: { catalog_localId_remoteSystem: { catalog, localId, remoteSystem: 'stripe' } } });
}

/** The Stripe id of a local entity, once its mapping says SYNCED at `version` or later. */
async function syncedRemoteId(catalog: 'customer' | 'invoice', localId: string, version = 1): Promise<string> {
  return eventually(async () => {
    const row = await mapping(catalog, localId);
    return row?.status === 'SYNCED' && (row.lastSyncedVersion ?? 0) >= version && row.remoteId ? row.remoteId : undefined;
  }, 15_000, `${catalog} ${localId} v${version} synced to Stripe`);
}

/** A local customer, synced to localstripe, whose Stripe customer has a subscription. */
async function subscribedCustomer(label: string): Promise<{ id: string; remoteId: string; planName: string }> {
  const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName(label)}@example.com` } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  const id = result.createCustomer.customer.id;
  const remoteId = await syncedRemoteId('customer', id);
  const { planName } = await giveLocalstripeSubscription(stripe, remoteId);
  return { id, remoteId, planName };
}

/** The local invoices of a customer, in full. */
async function localInvoicesOf(customerId: string) {
  const listed = await data(gateway.url, ListInvoices, { first: 10, filter: { customerId } });
  return Promise.all(listed.invoices.edges.map(async (edge) => (await data(gateway.url, GetInvoice, { id: edge.node.id })).invoice!));
}

/** Waits until every inbound event about `remoteId` has been handled by the gateway. */
async function inboundHandled(eventIds: string[]): Promise<void> {
  await eventually(async () => {
    const handled = await db.prisma.processedEvent.count({ where: { consumer: 'gateway.inbound', eventId: { in: eventIds.map((id) => `stripe:${id}`) } } });
    return handled === eventIds.length ? true : undefined;
  }, 15_000, `inbound events ${eventIds.join(', ')} handled`);
}

async function invoiceEventIds(remoteId: string, type: string): Promise<string[]> {
  const events = await stripe.events.list({ type, limit: 100 });
  return events.data.filter((event) => (event.data.object as { id?: string }).id === remoteId).map((event) => event.id);
}

const byDescription = (a: { description: string | null }, b: { description: string | null }) => (a.description ?? '').localeCompare(b.description ?? '');
const planLine = (planName: string) => ({ description: planName, quantity: 1, unitAmount: 0, amount: 0 });

describe('a draft invoice created locally reaches localstripe', () => {
  it('sends its lines as pending invoice items that the Stripe draft takes, and converges on what localstripe built', async () => {
    const customer = await subscribedCustomer('inv-out');
    const lines = [
      { description: 'Seats', quantity: 3, unitAmount: 1200 },
      { description: 'Setup', quantity: 1, unitAmount: 500 },
    ];
    const created = await data(gateway.url, CreateInvoice, { input: { customerId: customer.id, currency: 'usd', lines } });
    if (created.createInvoice.__typename !== 'CreateInvoiceSuccess') throw new Error(JSON.stringify(created.createInvoice));
    const invoice = created.createInvoice.invoice;

    const remoteId = await syncedRemoteId('invoice', invoice.id);
    const remote = (await stripe.invoices.retrieve(remoteId)) as Stripe.Invoice;
    expect(remote).toMatchObject({ status: 'draft', customer: customer.remoteId, currency: 'usd', total: 4100 });
    // The subscription's line first (localstripe adds it to every invoice of a subscribed customer;
    // real Stripe does not), then our pending items, each with its exact quantity and unit amount.
    // localstripe orders pending items newest first by the second they were made in, so two items
    // made across a second boundary come back in the other order: compared as a set.
    const remoteLines = remote.lines.data.map((line) => ({ description: line.description, amount: line.amount, metadata: line.metadata }));
    expect(remoteLines[0]).toEqual({ description: customer.planName, amount: 0, metadata: {} });
    expect(remoteLines.slice(1).sort(byDescription)).toEqual([
      { description: 'Seats', amount: 3600, metadata: { quantity: '3', unit_amount: '1200' } },
      { description: 'Setup', amount: 500, metadata: { quantity: '1', unit_amount: '500' } },
    ]);

    // localstripe's invoice.created (about 1 s later) is read back and applied: the local lines are
    // then exactly localstripe's (its subscription line added; ours unchanged, in its order).
    const converged = await eventually(async () => {
      const local = (await data(gateway.url, GetInvoice, { id: invoice.id })).invoice;
      return local?.version === 2 ? local : undefined;
    }, 15_000, 'the invoice.created read-back to be applied');
    const amountOf = (line: { description: string | null }) => lines.find((each) => each.description === line.description);
    expect(converged).toMatchObject({
      status: 'DRAFT',
      currency: 'usd',
      total: 4100,
      lines: remoteLines.map((line, index) => (index === 0 ? planLine(customer.planName) : { ...amountOf(line)!, amount: line.amount })),
      syncStates: [{ integration: 'stripe', status: 'SYNCED', remoteId }],
    });

    // Nothing goes back and forth: the applied change is not sent to Stripe again, and no second
    // Stripe invoice exists for the customer.
    await inboundHandled(await eventually(async () => {
      const ids = await invoiceEventIds(remoteId, 'invoice.created');
      return ids.length > 0 ? ids : undefined;
    }, 10_000, 'localstripe\'s invoice.created'));
    expect((await data(gateway.url, GetInvoice, { id: invoice.id })).invoice?.version).toBe(2);
    expect((await stripe.invoices.list({ customer: customer.remoteId, limit: 10 })).data.map((each) => each.id)).toEqual([remoteId]);
    expect((await stripe.invoices.retrieve(remoteId)).lines.data).toHaveLength(3);
  });
});

describe('a draft invoice of a customer without a subscription', () => {
  it('is FAILED with localstripe\'s 404 "No upcoming invoices for customer" (its items stay pending there)', async () => {
    const result = await data(gateway.url, CreateCustomer, { input: { email: `${uniqueName('inv-nosub')}@example.com` } });
    if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
    const customerId = result.createCustomer.customer.id;
    const remoteCustomerId = await syncedRemoteId('customer', customerId);
    const created = await data(gateway.url, CreateInvoice, { input: { customerId, currency: 'usd', lines: [{ description: 'Seats', quantity: 1, unitAmount: 100 }] } });
    if (created.createInvoice.__typename !== 'CreateInvoiceSuccess') throw new Error(JSON.stringify(created.createInvoice));
    const invoiceId = created.createInvoice.invoice.id;
    const failed = await eventually(async () => {
      const row = await mapping('invoice', invoiceId);
      return row?.status === 'FAILED' ? row : undefined;
    }, 15_000, 'the invoice to be FAILED');
    expect(failed.lastError).toContain('No upcoming invoices for customer');
    expect(failed.remoteId).toBeNull();
    expect((await stripe.invoices.list({ customer: remoteCustomerId, limit: 10 })).data).toEqual([]);
  });
});

describe('an invoice created in localstripe reaches the catalog', () => {
  it('through its invoice.created webhook, linked to the local customer', async () => {
    const customer = await subscribedCustomer('inv-in');
    await stripe.invoiceItems.create({ customer: customer.remoteId, currency: 'usd', amount: 2500, description: 'Made in Stripe', metadata: { quantity: '5', unit_amount: '500' } });
    const remote = await stripe.invoices.create({ customer: customer.remoteId });

    const [local] = await eventually(async () => {
      const found = await localInvoicesOf(customer.id);
      return found.length > 0 ? found : undefined;
    }, 15_000, 'the Stripe invoice to appear locally');
    expect(local).toMatchObject({
      customerId: customer.id,
      currency: 'usd',
      status: 'DRAFT',
      total: 2500,
      lines: [planLine(customer.planName), { description: 'Made in Stripe', quantity: 5, unitAmount: 500, amount: 2500 }],
      version: 1,
      syncStates: [{ integration: 'stripe', status: 'SYNCED', remoteId: remote.id }],
    });
    // The local create is not sent back as a second Stripe invoice.
    await inboundHandled(await invoiceEventIds(remote.id, 'invoice.created'));
    expect((await stripe.invoices.list({ customer: customer.remoteId, limit: 10 })).data.map((each) => each.id)).toEqual([remote.id]);
    expect(await localInvoicesOf(customer.id)).toHaveLength(1);
  });

  it('through catch-up, when it was made while the integrations process was down', async () => {
    const customer = await subscribedCustomer('inv-caught');
    await integrations.stop();
    const startedAt = new Date();
    const first = await startTestIntegrations(topics, { STRIPE_CATCHUP_INTERVAL_S: '3600' });
    // Its pass at start sets the catch-up cursor (a pass cut short by stop would leave it unset).
    await eventually(async () => ((await db.prisma.syncCursor.count({ where: { name: { startsWith: 'catch-up:stripe:' }, updatedAt: { gte: startedAt } } })) > 0 ? true : undefined), 45_000, 'the catch-up cursor to be set');
    await first.stop();
    await stripe.invoiceItems.create({ customer: customer.remoteId, currency: 'usd', amount: 900, description: 'Made while down' });
    const remote = await stripe.invoices.create({ customer: customer.remoteId });
    // localstripe sends invoice.created about 1 s later to the stopped process: it is lost as a webhook.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await localInvoicesOf(customer.id)).toEqual([]);

    integrations = await startTestIntegrations(topics, { STRIPE_CATCHUP_INTERVAL_S: '3600' });
    const [local] = await eventually(async () => {
      const found = await localInvoicesOf(customer.id);
      return found.length > 0 ? found : undefined;
    }, 45_000, 'the invoice made while down to appear locally'); // catch-up promises within a minute
    expect(local).toMatchObject({
      customerId: customer.id,
      status: 'DRAFT',
      total: 900,
      lines: [planLine(customer.planName), { description: 'Made while down', quantity: 1, unitAmount: 900, amount: 900 }],
      syncStates: [{ integration: 'stripe', status: 'SYNCED', remoteId: remote.id }],
    });
  }, 120_000);

  it('before its customer: an invoice.created handled ahead of the customer.created links the customer first', async () => {
    // Both made in Stripe while the integrations process is down (localstripe's webhooks for them
    // are lost) and catch-up off: only the invoice's event is delivered, as a retry from Stripe
    // would be. Its customer is linked to nothing here, so the invoice alone could not be applied.
    await integrations.stop();
    const email = `${uniqueName('inv-first')}@example.com`;
    const remoteCustomer = await stripe.customers.create({ email, name: 'Invoice came first' });
    await giveLocalstripeSubscription(stripe, remoteCustomer.id);
    await stripe.invoiceItems.create({ customer: remoteCustomer.id, currency: 'usd', amount: 700, description: 'Ahead of its customer' });
    const remote = await stripe.invoices.create({ customer: remoteCustomer.id });
    await new Promise((resolve) => setTimeout(resolve, 2_500)); // localstripe's deliveries, to no one
    integrations = await startTestIntegrations(topics, { STRIPE_CATCHUP_INTERVAL_S: '0' });

    const [eventId] = await invoiceEventIds(remote.id, 'invoice.created');
    const payload = JSON.stringify(await stripe.events.retrieve(eventId!));
    const response = await fetch(`${integrations.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: testWebhookSecret }) },
      body: payload,
    });
    expect(response.status).toBe(200);

    const customer = await eventually(async () => (await data(gateway.url, ListCustomers, { first: 1, filter: { email } })).customers.edges[0]?.node, 15_000, 'the customer to be linked');
    expect(customer.syncStates).toEqual([expect.objectContaining({ status: 'SYNCED', remoteId: remoteCustomer.id })]);
    const [local] = await eventually(async () => {
      const found = await localInvoicesOf(customer.id);
      return found.length > 0 ? found : undefined;
    }, 15_000, 'the invoice to appear locally');
    expect(local).toMatchObject({ customerId: customer.id, total: 700, syncStates: [{ integration: 'stripe', status: 'SYNCED', remoteId: remote.id }] });
  }, 60_000);
});
