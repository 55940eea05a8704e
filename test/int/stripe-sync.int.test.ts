import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { parseSyncEvent } from '../../core/events/sync-event.js';
import { CreateCustomer, DeleteCustomer, GetCustomer, ListCustomers, UpdateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations, testWebhookSecret } from '../support/integrations.js';
import { readUntil, testBus } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';

// Two-way sync through the real broker, Postgres and localstripe (its real, signed webhooks).

const topics = uniqueTopics();
const stripe = localstripe();
const db = createDatabase(testStack.databaseUrl);
const bus = testBus();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics);
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
  await bus.close();
  await db.close();
});

const newEmail = (label: string) => `${uniqueName(label)}@example.com`;

async function createLocal(input: { email: string; name?: string; metadata?: Record<string, unknown> }) {
  const result = await data(gateway.url, CreateCustomer, { input });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer;
}

async function localByEmail(email: string) {
  const result = await data(gateway.url, ListCustomers, { first: 5, filter: { email } });
  return result.customers.edges.map((edge) => edge.node);
}

/** The Stripe customer the local one is mapped to, once the mapping says SYNCED at `version`. */
async function syncedRemoteId(localId: string, version = 1): Promise<string> {
  return eventually(async () => {
    const mapping = await db.prisma.idMapping.findUnique({ where: { catalog_localId_remoteSystem: { catalog: 'customer', localId, remoteSystem: 'stripe' } } });
    return mapping?.status === 'SYNCED' && (mapping.lastSyncedVersion ?? 0) >= version && mapping.remoteId ? mapping.remoteId : undefined;
  }, 15_000, `customer ${localId} v${version} synced to Stripe`);
}

async function stripeCustomersWithLocalId(localId: string): Promise<Stripe.Customer[]> {
  const all = await stripe.customers.list({ limit: 100 });
  // localstripe lists without server-side search: filter here.
  return (await collect(all)).filter((customer) => customer.metadata?.local_id === localId);
}

async function collect(page: Stripe.ApiList<Stripe.Customer>): Promise<Stripe.Customer[]> {
  const customers = [...page.data];
  let current = page;
  while (current.has_more) {
    current = await stripe.customers.list({ limit: 100, starting_after: current.data.at(-1)!.id });
    customers.push(...current.data);
  }
  return customers;
}

describe('local changes reach Stripe', () => {
  it('creates, updates and deletes the Stripe customer, with metadata.local_id', async () => {
    const email = newEmail('out');
    const created = await createLocal({ email, name: 'Outbound', metadata: { plan: 'pro', seats: 3 } });
    const remoteId = await syncedRemoteId(created.id);
    const remote = await stripe.customers.retrieve(remoteId);
    expect(remote).toMatchObject({ email, name: 'Outbound', metadata: { local_id: created.id, plan: 'pro', seats: '3' } });

    const updated = await data(gateway.url, UpdateCustomer, { id: created.id, input: { name: 'Renamed', metadata: { plan: 'pro' } } });
    expect(updated.updateCustomer.__typename).toBe('UpdateCustomerSuccess');
    await syncedRemoteId(created.id, 2);
    const afterUpdate = (await stripe.customers.retrieve(remoteId)) as Stripe.Customer;
    expect(afterUpdate.name).toBe('Renamed');
    // A metadata key the catalog removed is unset in Stripe too.
    expect(afterUpdate.metadata.seats ?? '').toBe('');

    await data(gateway.url, DeleteCustomer, { id: created.id });
    await syncedRemoteId(created.id, 3);
    await expect(stripe.customers.retrieve(remoteId)).rejects.toThrow();
  });

  it('does not echo: the webhook our own create causes changes nothing and creates nothing', async () => {
    const created = await createLocal({ email: newEmail('echo'), name: 'Echo' });
    const remoteId = await syncedRemoteId(created.id);
    // localstripe sends customer.created about 1 s after the create: it is recognised as the state
    // both sides agreed on, so nothing is read back or applied.
    const events = await readUntil(bus, topics.TOPIC_SYNC_EVENTS, (messages) =>
      messages.some((message) => message.value.includes('ECHO_SUPPRESSED') && message.value.includes(remoteId)),
    );
    expect(await stripeCustomersWithLocalId(created.id)).toHaveLength(1);
    const local = await data(gateway.url, GetCustomer, { id: created.id });
    expect(local.customer?.version).toBe(1);
    const echo = events.map((message) => parseSyncEvent(message.value)).find((event) => event.type === 'ECHO_SUPPRESSED' && event.remoteId === remoteId);
    expect(echo).toMatchObject({ integration: 'stripe', entityId: created.id });
  });
});

describe('Stripe changes reach the catalog (signed webhooks from localstripe)', () => {
  it('creates, updates and deletes the local customer', async () => {
    const email = newEmail('in');
    const remote = await stripe.customers.create({ email, name: 'From Stripe', phone: '+1 555 0100' });
    const local = await eventually(async () => (await localByEmail(email))[0], 10_000, 'the Stripe customer to appear locally');
    expect(local).toMatchObject({ email, name: 'From Stripe', phone: '+1 555 0100', version: 1 });
    expect(local.syncStates).toEqual([expect.objectContaining({ integration: 'stripe', remoteId: remote.id, status: 'SYNCED' })]);

    await stripe.customers.update(remote.id, { name: 'Changed in Stripe' });
    await eventually(async () => ((await localByEmail(email))[0]?.name === 'Changed in Stripe' ? true : undefined), 10_000, 'the update to arrive');

    await stripe.customers.del(remote.id);
    await eventually(async () => ((await data(gateway.url, GetCustomer, { id: local.id })).customer === null ? true : undefined), 10_000, 'the delete to arrive');
    // The change came from Stripe: it is not sent back, and Stripe still has exactly the one (deleted) customer.
    expect(await stripeCustomersWithLocalId(local.id)).toHaveLength(0);
  });

  it('links a Stripe customer to the unmapped local customer with the same email instead of duplicating it', async () => {
    const email = newEmail('link');
    // A local customer that was never synced (written directly, as an import would).
    const existing = await db.prisma.customer.create({ data: { email, name: 'Already here' } });
    const remote = await stripe.customers.create({ email, name: 'Already here' });
    const linked = await eventually(async () => {
      const rows = await localByEmail(email);
      return rows[0]?.syncStates.length ? rows : undefined;
    }, 10_000, 'the link');
    expect(linked).toHaveLength(1);
    expect(linked[0]).toMatchObject({ id: existing.id, syncStates: [expect.objectContaining({ remoteId: remote.id, status: 'SYNCED' })] });
  });
});

describe('webhook endpoint', () => {
  async function postWebhook(payload: string, signature: string) {
    return fetch(`${integrations.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body: payload,
    });
  }

  async function signedCustomerEvent(type: string, customer: Stripe.Customer, created = Math.floor(Date.now() / 1000)) {
    const payload = JSON.stringify({ id: `evt_${uniqueName('test').replace(/-/g, '')}`, object: 'event', type, created, data: { object: customer } });
    return { payload, signature: stripe.webhooks.generateTestHeaderString({ payload, secret: testWebhookSecret }) };
  }

  it('applies the same webhook delivered twice only once', async () => {
    const email = newEmail('twice');
    const remote = await stripe.customers.create({ email, name: 'Twice' });
    const local = await eventually(async () => (await localByEmail(email))[0], 10_000, 'the customer to appear locally');
    // A real change in Stripe, and a signed event about it delivered twice (as Stripe's retries may).
    const changed = (await stripe.customers.update(remote.id, { name: 'Delivered twice' })) as Stripe.Customer;
    const { payload, signature } = await signedCustomerEvent('customer.updated', changed, Math.floor(Date.now() / 1000));

    const first = await postWebhook(payload, signature);
    expect(first.status).toBe(200);
    const second = await postWebhook(payload, signature);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual({ status: 'duplicate' });

    await eventually(async () => ((await localByEmail(email))[0]?.name === 'Delivered twice' ? true : undefined), 10_000, 'the update');
    // localstripe's own webhook for the same change (about 1 s later) finds nothing left to apply.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await data(gateway.url, GetCustomer, { id: local.id });
    expect(after.customer?.version).toBe(local.version + 1);
  });

  it('never leaves an older state: a late or replayed event re-reads the customer instead of trusting its payload', async () => {
    const email = newEmail('order');
    const remote = await stripe.customers.create({ email, name: 'Start' });
    const local = await eventually(async () => (await localByEmail(email))[0], 10_000, 'the customer to appear locally');
    const started = (await stripe.customers.retrieve(remote.id)) as Stripe.Customer;
    await stripe.customers.update(remote.id, { name: 'Newest' });
    const nameNow = async () => (await data(gateway.url, GetCustomer, { id: local.id })).customer?.name;
    await eventually(async () => ((await nameNow()) === 'Newest' ? true : undefined), 10_000, 'the newest state');

    // An event about the first state, delivered late, and one from the same second as the newest:
    // neither payload is trusted, the customer is read from Stripe, and nothing regresses.
    const late = await signedCustomerEvent('customer.updated', { ...started, name: 'Older' }, started.created);
    expect(await (await postWebhook(late.payload, late.signature)).json()).toMatchObject({ status: 'accepted', published: 1 });
    const tie = await signedCustomerEvent('customer.updated', { ...started, name: 'Same second' }, Math.floor(Date.now() / 1000));
    expect(await (await postWebhook(tie.payload, tie.signature)).json()).toMatchObject({ status: 'accepted', published: 1 });
    await eventually(async () => {
      const handled = await db.prisma.processedEvent.count({ where: { consumer: 'gateway.inbound', eventId: { in: [late, tie].map((event) => `stripe:${JSON.parse(event.payload).id}`) } } });
      return handled === 2 ? true : undefined;
    }, 10_000, 'both events handled');
    expect(await nameNow()).toBe('Newest');
    expect((await data(gateway.url, GetCustomer, { id: local.id })).customer?.version).toBe(local.version + 1);
  });

  it('keeps a deleted customer deleted when a later update arrives', async () => {
    const email = newEmail('final');
    const remote = await stripe.customers.create({ email, name: 'Doomed' });
    const local = await eventually(async () => (await localByEmail(email))[0], 10_000, 'the customer to appear locally');
    const snapshot = (await stripe.customers.retrieve(remote.id)) as Stripe.Customer;
    await stripe.customers.del(remote.id);
    await eventually(async () => ((await data(gateway.url, GetCustomer, { id: local.id })).customer === null ? true : undefined), 10_000, 'the delete');

    const afterlife = await signedCustomerEvent('customer.updated', { ...snapshot, name: 'Back from the dead' }, Math.floor(Date.now() / 1000) + 200);
    expect((await postWebhook(afterlife.payload, afterlife.signature)).status).toBe(200);
    const row = await eventually(async () => {
      const processed = await db.prisma.processedEvent.findFirst({ where: { consumer: 'gateway.inbound', eventId: { endsWith: JSON.parse(afterlife.payload).id } } });
      return processed ? db.prisma.customer.findUnique({ where: { id: local.id } }) : undefined;
    }, 10_000, 'the late update to be handled');
    expect(row).toMatchObject({ name: 'Doomed', deletedAt: expect.any(Date) });
    expect(await localByEmail(email)).toEqual([]);
  });

  it('answers 400 to a forged signature, a missing signature and a malformed body, and publishes nothing', async () => {
    const customer = { id: 'cus_forged', object: 'customer', email: newEmail('forged'), metadata: {} } as unknown as Stripe.Customer;
    const { payload } = await signedCustomerEvent('customer.created', customer);
    const forged = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_not_ours' });
    expect((await postWebhook(payload, forged)).status).toBe(400);
    expect((await postWebhook(payload, '')).status).toBe(400);
    const garbage = 'not json';
    expect((await postWebhook(garbage, stripe.webhooks.generateTestHeaderString({ payload: garbage, secret: testWebhookSecret }))).status).toBe(400);
    expect(await localByEmail(customer.email!)).toEqual([]);
  });
});
