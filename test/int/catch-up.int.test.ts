import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListCustomers } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';

// Stripe-side changes made while the integrations process is down are lost as webhooks (localstripe
// never retries one; Stripe gives up after 3 days) but not as events: the catch-up reader finds them
// in Stripe's event list when the process starts again.

const topics = uniqueTopics();
const stripe = localstripe();
let gateway: Awaited<ReturnType<typeof startTestGateway>>;

beforeAll(async () => {
  gateway = await startTestGateway(topics);
});
afterAll(async () => {
  await gateway?.stop();
});

describe('catch-up from Stripe\'s events', () => {
  it('applies Stripe-side creates, updates and deletes made while the integrations process was down', async () => {
    const first = await startTestIntegrations(topics, { STRIPE_CATCHUP_INTERVAL_S: '3600' }); // sets the cursor at start
    const doomedEmail = `${uniqueName('caught-doomed')}@example.com`;
    const doomed = await stripe.customers.create({ email: doomedEmail, name: 'Doomed' });
    await eventually(async () => ((await byEmail(doomedEmail)) ? true : undefined), 10_000, 'a customer created while running');
    await first.stop();

    // Webhooks for these go to a process that is not there.
    const emails = [0, 1, 2].map(() => `${uniqueName('caught')}@example.com`);
    const created = [];
    for (const email of emails) created.push(await stripe.customers.create({ email, name: 'Made while down' }));
    await stripe.customers.update(created[0]!.id, { name: 'Renamed while down' });
    await stripe.customers.del(doomed.id);
    // localstripe sends each webhook about 1 s after the change, to the endpoint registered then
    // (the stopped process). Without catch-up, nothing arrives: a process without it sees none.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const blind = await startTestIntegrations(topics);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await Promise.all(emails.map(byEmail))).toEqual([undefined, undefined, undefined]);
    await blind.stop();

    const second = await startTestIntegrations(topics, { STRIPE_CATCHUP_INTERVAL_S: '3600' });
    try {
      const locals = await eventually(async () => {
        const found = await Promise.all(emails.map(byEmail));
        return found.every(Boolean) ? found : undefined;
      }, 45_000, 'the customers made while down to appear locally'); // catch-up promises within a minute
      expect(locals.map((customer) => customer!.name)).toEqual(['Renamed while down', 'Made while down', 'Made while down']);
      expect(locals.map((customer) => customer!.syncStates[0]?.remoteId)).toEqual(created.map((customer) => customer.id));
      await eventually(async () => ((await byEmail(doomedEmail)) === undefined ? true : undefined), 45_000, 'the delete made while down');
    } finally {
      await second.stop();
    }
  }, 120_000);
});

async function byEmail(email: string) {
  const result = await data(gateway.url, ListCustomers, { first: 1, filter: { email } });
  return result.customers.edges[0]?.node;
}
