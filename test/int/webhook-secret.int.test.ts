import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListCustomers } from '../graphql/operations.js';
import { eventually } from '../support/eventually.js';
import { startTestGateway, uniqueTopics } from '../support/gateway.js';
import { data } from '../support/graphql-client.js';
import { startTestIntegrations } from '../support/integrations.js';
import { uniqueName } from '../support/stack.js';
import { localstripe } from '../support/stripe-emulators.js';

// Emulator mode without STRIPE_WEBHOOK_SECRET: the webhook secret is random per installation, kept
// in a file, and registered on localstripe; the secret the code once published is refused.

const OLD_WELL_KNOWN_SECRET = 'whsec_catalog_gateway_localstripe';
const topics = uniqueTopics();
const stripe = new Stripe('sk_test_unused');
let secretFile: string;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let integrations: Awaited<ReturnType<typeof startTestIntegrations>>;

beforeAll(async () => {
  secretFile = path.join(await mkdtemp(path.join(tmpdir(), 'webhook-secret-')), 'localstripe-webhook-secret');
  gateway = await startTestGateway(topics);
  integrations = await startTestIntegrations(topics, { STRIPE_WEBHOOK_SECRET: '', LOCALSTRIPE_WEBHOOK_SECRET_FILE: secretFile });
});
afterAll(async () => {
  await integrations?.stop();
  await gateway?.stop();
});

function customerEvent(secret: string) {
  const customer = { id: `cus_${uniqueName('forged').replace(/-/g, '')}`, object: 'customer', email: `${uniqueName('forged')}@example.com`, metadata: {}, created: Math.floor(Date.now() / 1000) };
  const payload = JSON.stringify({ id: `evt_${uniqueName('forged').replace(/-/g, '')}`, object: 'event', type: 'customer.created', created: customer.created, data: { object: customer } });
  return fetch(`${integrations.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload, secret }) },
    body: payload,
  });
}

describe('emulator webhook secret', () => {
  it('is random, kept in its file (0600), and the old well-known secret is refused', async () => {
    const secret = (await readFile(secretFile, 'utf8')).trim();
    expect(secret).toMatch(/^whsec_[\w-]{30,}$/);
    expect(secret).not.toBe(OLD_WELL_KNOWN_SECRET);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);

    expect((await customerEvent(OLD_WELL_KNOWN_SECRET)).status).toBe(400);
    expect((await customerEvent(secret)).status).toBe(200);
  });

  it('is the one registered on localstripe: its own webhooks are accepted and applied', async () => {
    const email = `${uniqueName('emulated')}@example.com`;
    await localstripe().customers.create({ email });
    const found = await eventually(async () => {
      const page = await data(gateway.url, ListCustomers, { first: 1, filter: { email } });
      return page.customers.edges[0];
    }, 15_000, 'the localstripe customer to arrive');
    expect(found.node.email).toBe(email);
  });
});
