import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/db/prisma.js';
import { parseChangeEnvelope } from '../../core/events/envelope.js';
import { CreateCustomer, GetCustomer, ListCustomers, ResyncCustomer, UpdateCustomer } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations, testWebhookSecret } from '../support/integrations.js';
import { readUntil, testBus } from '../support/kafka.js';
import { testStack, uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';
import { restartStack, stopService } from '../support/outage.js';

// A change Stripe rejects for good is marked FAILED, dead-lettered, and does not hold up the
// customers behind it; resyncCustomer sends it again once the cause is fixed.


const topics = uniqueTopics();
const db = createDatabase(testStack.databaseUrl);
const bus = testBus();
const stripe = localstripe();
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

async function create(email: string, metadata?: Record<string, unknown>) {
  const result = await data(gateway.url, CreateCustomer, { input: { email, ...(metadata ? { metadata } : {}) } });
  if (result.createCustomer.__typename !== 'CreateCustomerSuccess') throw new Error(JSON.stringify(result.createCustomer));
  return result.createCustomer.customer;
}

const syncState = async (id: string) => (await data(gateway.url, GetCustomer, { id })).customer?.syncStates[0];

describe('permanent Stripe failures', () => {
  it('marks FAILED, dead-letters the change, keeps syncing other customers, and resyncCustomer repairs it', async () => {
    // 50 keys of its own plus local_id: over Stripe's 50-key metadata limit, a certain 400.
    const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v']));
    const poison = await create(`${uniqueName('poison')}@example.com`, tooMany);
    const healthy = await create(`${uniqueName('healthy')}@example.com`);

    const failed = await eventually(async () => {
      const state = await syncState(poison.id);
      return state?.status === 'FAILED' ? state : undefined;
    }, 15_000, 'the poison customer to be FAILED');
    expect(failed.lastError).toMatch(/metadata has 51 keys/);

    const dead = await readUntil(bus, integrations.config.TOPIC_DEAD_LETTER, (messages) => messages.some((message) => message.key === poison.id));
    const letter = dead.find((message) => message.key === poison.id)!;
    expect(parseChangeEnvelope(letter.value)).toMatchObject({ entityId: poison.id, type: 'customer.created' });
    expect(letter.headers).toMatchObject({ 'dlq-integration': 'stripe', 'dlq-source-topic': topics.TOPIC_CATALOG_CHANGES });
    expect(letter.headers['dlq-error']).toMatch(/metadata/);

    // The partition kept flowing: the customer created after the poison one is in Stripe.
    const healthyState = await eventually(async () => {
      const state = await syncState(healthy.id);
      return state?.status === 'SYNCED' ? state : undefined;
    }, 15_000, 'the healthy customer to sync');
    expect((await stripe.customers.retrieve(healthyState.remoteId!)).id).toBe(healthyState.remoteId);

    // The data is fixed outside the API (as a data migration would), then resynced.
    await db.prisma.customer.update({ where: { id: poison.id }, data: { metadata: { k0: 'v' } } });
    const resync = await data(gateway.url, ResyncCustomer, { id: poison.id, integration: 'stripe' });
    expect(resync.resyncCustomer.__typename).toBe('ResyncCustomerSuccess');
    const repaired = await eventually(async () => {
      const state = await syncState(poison.id);
      return state?.status === 'SYNCED' ? state : undefined;
    }, 15_000, 'resync to repair the customer');
    const remote = await stripe.customers.retrieve(repaired.remoteId!);
    expect(remote).toMatchObject({ metadata: { local_id: poison.id, k0: 'v' } });
    expect(repaired.lastError).toBeNull();
  });

  it('resyncCustomer answers NotFoundError and ValidationError', async () => {
    const missing = await data(gateway.url, ResyncCustomer, { id: '00000000-0000-4000-8000-000000000000', integration: 'stripe' });
    expect(missing.resyncCustomer).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const bad = await data(gateway.url, ResyncCustomer, { id: '00000000-0000-4000-8000-000000000000', integration: 'Not A Name!' });
    expect(bad.resyncCustomer).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'integration' }] });
  });
});

describe('transient Stripe failures', () => {
  it('retry without limit while parked (RETRYING with attempts and next attempt), later changes join, and all goes through once Stripe is back', async () => {
    await stopService('localstripe');
    let customer: Awaited<ReturnType<typeof create>>;
    try {
      customer = await create(`${uniqueName('parked')}@example.com`);
      const parked = await eventually(async () => {
        const state = await syncState(customer.id);
        return state?.status === 'RETRYING' && state.attempts >= 2 ? state : undefined;
      }, 20_000, 'the customer to be RETRYING after two attempts');
      expect(parked.lastError).toMatch(/ECONNREFUSED|connect|network/i);
      expect(new Date(parked.nextAttemptAt!).getTime()).toBeGreaterThan(Date.now() - 1_000);
      // A later change does not overtake the parked one: it joins it.
      await data(gateway.url, UpdateCustomer, { id: customer.id, input: { name: 'Changed while Stripe was down' } });
      // More attempts than the old limit of 5 (backoff 1, 2, 4, 8 s…): still RETRYING, never FAILED.
      await eventually(async () => {
        const state = await syncState(customer.id);
        if (state?.status === 'FAILED') throw new Error(`gave up: ${state.lastError}`);
        return state?.status === 'RETRYING' && state.attempts >= 4 ? state : undefined;
      }, 30_000, 'four attempts');
    } finally {
      await restartStack();
    }
    const synced = await eventually(async () => {
      const state = await syncState(customer.id);
      return state?.status === 'SYNCED' ? state : undefined;
    }, 45_000, 'the customer to sync once Stripe is back');
    expect(synced).toMatchObject({ attempts: 0, lastError: null, nextAttemptAt: null });
    expect(await stripe.customers.retrieve(synced.remoteId!)).toMatchObject({ name: 'Changed while Stripe was down', metadata: { local_id: customer.id } });
  }, 120_000);
});

describe('integrations process health and outages', () => {
  it('reports /health and /ready, and 404 for a webhook of an integration it does not run', async () => {
    expect((await fetch(`${integrations.url}/health`)).status).toBe(200);
    const ready = await fetch(`${integrations.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      kafka: true,
      postgres: true,
      rateBudgets: [expect.objectContaining({ bucket: expect.stringMatching(/^stripe:/), requestsPerSecond: 20 })],
    });
    expect((await fetch(`${integrations.url}/webhooks/salesforce`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('answers 503 to a valid webhook while Kafka is down (so Stripe retries), and takes it once Kafka is back', async () => {
    await stopService('kafka');
    let deliver: () => Promise<Response>;
    let customer: { id: string; email: string | null };
    try {
      // A real Stripe-side create (the intake reads the customer back from Stripe, never trusting
      // a payload), and a signed event about it, as Stripe would deliver and retry it.
      customer = await stripe.customers.create({ email: `${uniqueName('outage')}@example.com`, name: 'During outage' });
      const payload = JSON.stringify({ id: `evt_${uniqueName('outage').replace(/-/g, '')}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: customer } });
      deliver = () =>
        fetch(`${integrations.url}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret: testWebhookSecret }) },
          body: payload,
        });
      const duringOutage = await deliver();
      expect(duringOutage.status).toBe(503);
      const notReady = await fetch(`${integrations.url}/ready`);
      expect(notReady.status).toBe(503);
    } finally {
      await restartStack();
    }
    // Stripe's retry, once the broker is back: accepted, and applied.
    const retried = await eventually(async () => {
      const response = await deliver();
      return response.status === 200 ? response : undefined;
    }, 60_000, 'the retried webhook to be accepted');
    expect(await retried.json()).toMatchObject({ status: 'accepted', published: 1 });
    const local = await eventually(async () => {
      const result = await data(gateway.url, ListCustomers, { first: 1, filter: { email: customer.email! } });
      return result.customers.edges[0]?.node;
    }, 30_000, 'the customer to appear locally');
    expect(local).toMatchObject({ name: 'During outage', syncStates: [expect.objectContaining({ remoteId: customer.id })] });
  }, 180_000); // restarting the broker alone took 46 s on this machine under load
});
