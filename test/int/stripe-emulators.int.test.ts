import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type Stripe from 'stripe';
import { localstripe, registerLocalstripeWebhook, stripeMock } from '../support/stripe-emulators.js';
import { testStack, uniqueName } from '../support/stack.js';
import { giveLocalstripeSubscription } from '../support/localstripe-subscription.js';

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

/** A raw form-encoded request to localstripe: the exact status and body of what it answers. */
async function localstripeCall(method: 'POST' | 'DELETE', path: string, params: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const response = await fetch(`${testStack.localstripeUrl}${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from('sk_test_123:').toString('base64')}` },
    ...(method === 'POST' ? { body: new URLSearchParams(params) } : {}),
  });
  return { status: response.status, body: await response.text() };
}

// What localstripe does with the calls the invoice adapter makes (the README's emulator table).
// These record its exact answers, so a new localstripe that covers more (or less) fails here.
describe('localstripe invoices: what it covers and what it refuses', () => {
  const stripe = localstripe();
  const customer = () => stripe.customers.create({ email: `${uniqueName('ls-inv')}@example.com` });
  const item = (customerId: string, description: string, amount: number) =>
    stripe.invoiceItems.create({ customer: customerId, currency: 'usd', amount, description, metadata: { quantity: '1', unit_amount: String(amount) } });

  it('refuses an invoice for a customer without a subscription: 404 "No upcoming invoices for customer"', async () => {
    const { id } = await customer();
    await item(id, 'Pending', 1000);
    const answer = await localstripeCall('POST', '/v1/invoices', { customer: id, pending_invoice_items_behavior: 'include', 'metadata[local_id]': 'x' });
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body).error.message).toBe('No upcoming invoices for customer');
  });

  it('with a subscription, builds a draft of the pending items and the subscription\'s line, without the create\'s metadata', async () => {
    const { id } = await customer();
    const { planName } = await giveLocalstripeSubscription(stripe, id);
    await item(id, 'Seats', 3600);
    const invoice = await stripe.invoices.create({ customer: id, pending_invoice_items_behavior: 'include', metadata: { local_id: 'local-1', po: '42' } });
    expect(invoice).toMatchObject({ status: 'draft', customer: id, currency: 'usd', total: 3600, metadata: {} });
    expect(invoice.lines.data.map((line) => [line.description, line.amount])).toEqual([[planName, 0], ['Seats', 3600]]);
    // An update's metadata is kept (so the create's loss is localstripe's, not the parameter's).
    expect((await stripe.invoices.update(invoice.id, { metadata: { local_id: 'local-1' } })).metadata).toEqual({ local_id: 'local-1' });
    // Due dates: a create with collection_method send_invoice and due_date is a 500.
    const withDueDate = await localstripeCall('POST', '/v1/invoices', { customer: id, collection_method: 'send_invoice', due_date: String(Math.floor(Date.now() / 1000) + 86_400) });
    expect(withDueDate.status).toBe(500);
  });

  it('does not replace a draft\'s lines: a deleted item keeps its line, an item created onto the invoice adds none', async () => {
    const { id } = await customer();
    const { planName } = await giveLocalstripeSubscription(stripe, id);
    const seats = await item(id, 'Seats', 3600);
    const invoice = await stripe.invoices.create({ customer: id });
    await stripe.invoiceItems.del(seats.id);
    await stripe.invoiceItems.create({ customer: id, currency: 'usd', amount: 700, description: 'Added', invoice: invoice.id });
    const after = await stripe.invoices.retrieve(invoice.id);
    expect(after.lines.data.map((line) => line.description)).toEqual([planName, 'Seats']);
  });

  it('moves no invoice status the way the adapter asks: no finalize or mark_uncollectible route, no paid_out_of_band, no void without a payment', async () => {
    const { id } = await customer();
    await giveLocalstripeSubscription(stripe, id);
    await item(id, 'Seats', 3600);
    const invoice = await stripe.invoices.create({ customer: id });
    expect((await localstripeCall('POST', `/v1/invoices/${invoice.id}/finalize`, { auto_advance: 'false' })).status).toBe(404);
    expect((await localstripeCall('POST', `/v1/invoices/${invoice.id}/mark_uncollectible`)).status).toBe(404);
    expect((await localstripeCall('POST', `/v1/invoices/${invoice.id}/pay`, { paid_out_of_band: 'true' })).status).toBe(500);
    const voided = await localstripeCall('POST', `/v1/invoices/${invoice.id}/void`);
    expect(voided.status).toBe(400);
    expect(JSON.parse(voided.body).error.message).toBe('Bad request');
    expect((await stripe.invoices.retrieve(invoice.id)).status).toBe('draft');
    // A draft can be deleted.
    expect((await localstripeCall('DELETE', `/v1/invoices/${invoice.id}`)).status).toBe(200);
  });

  it('sends invoice.created and no invoice.updated (an update leaves no event)', async () => {
    const { id } = await customer();
    await giveLocalstripeSubscription(stripe, id);
    await item(id, 'Seats', 3600);
    const invoice = await stripe.invoices.create({ customer: id });
    await stripe.invoices.update(invoice.id, { metadata: { po: '7' } });
    const about = async (type: string) => (await stripe.events.list({ type, limit: 100 })).data.filter((event) => (event.data.object as { id?: string }).id === invoice.id);
    expect(await about('invoice.created')).toHaveLength(1);
    expect(await about('invoice.updated')).toHaveLength(0);
  });
});

describe('stripe-mock (Stripe\'s own API mock)', () => {
  it('accepts a customer create with the shape stripe-node sends', async () => {
    const created = await stripeMock().customers.create({ email: 'shape@example.com', metadata: { local_id: 'x' } });
    expect(created.object).toBe('customer');
    expect(created.id).toMatch(/^cus_/);
  });
});
