import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { localstripe, registerLocalstripeWebhook, stripeMock } from '../support/stripe-emulators.js';
import { uniqueName } from '../support/stack.js';

const servers: http.Server[] = [];
afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

/** A local HTTP listener that hands the raw body and signature header of the first matching POST. */
function listenForWebhook(match: (body: string) => boolean): Promise<{ url: string; received: Promise<{ body: string; signature: string }> }> {
  return new Promise((resolveListening) => {
    let deliver!: (value: { body: string; signature: string }) => void;
    const received = new Promise<{ body: string; signature: string }>((resolve) => (deliver = resolve));
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        response.writeHead(200).end();
        if (match(body)) deliver({ body, signature: String(request.headers['stripe-signature'] ?? '') });
      });
    });
    servers.push(server);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolveListening({ url: `http://127.0.0.1:${port}/webhook`, received });
    });
  });
}

describe('localstripe (stateful Stripe emulator)', () => {
  it('creates and retrieves a customer through stripe-node', async () => {
    const stripe = localstripe();
    const email = `${uniqueName('ls')}@example.com`;
    const created = await stripe.customers.create({ email, name: 'Grace', metadata: { local_id: 'abc' } });
    expect(created.id).toMatch(/^cus_/);
    const retrieved = await stripe.customers.retrieve(created.id);
    expect(retrieved).toMatchObject({ id: created.id, email, name: 'Grace', metadata: { local_id: 'abc' } });
  });

  it('delivers a webhook whose signature stripe.webhooks.constructEvent accepts', async () => {
    const stripe = localstripe();
    const secret = 'whsec_test_stack';
    const email = `${uniqueName('hook')}@example.com`;
    const listener = await listenForWebhook((body) => body.includes(email));
    const webhookId = uniqueName('stack-test');
    await registerLocalstripeWebhook(webhookId, listener.url, secret, ['customer.created']);

    const created = await stripe.customers.create({ email });
    const { body, signature } = await listener.received;

    const event = stripe.webhooks.constructEvent(body, signature, secret);
    expect(event.type).toBe('customer.created');
    expect((event.data.object as Stripe.Customer).id).toBe(created.id);
    expect(() => stripe.webhooks.constructEvent(body, signature, 'whsec_wrong')).toThrow(/signature/i);
    // Leave localstripe without a dangling endpoint for later tests: point it at an event nobody sends.
    await registerLocalstripeWebhook(webhookId, listener.url, secret, ['test.unused']);
  });
});

describe('stripe-mock (Stripe\'s own API mock)', () => {
  it('accepts a customer create with the shape stripe-node sends', async () => {
    const created = await stripeMock().customers.create({ email: 'shape@example.com', metadata: { local_id: 'x' } });
    expect(created.object).toBe('customer');
    expect(created.id).toMatch(/^cus_/);
  });
});
