import { randomUUID } from 'node:crypto';
import { syncedCustomerOf, type SyncedCustomer } from '../../core/catalogs/customer.js';
import type { SyncedInvoice } from '../../core/catalogs/invoice.js';
import { stripeCustomers } from '../../integrations/adapters/stripe/customers.js';
import { listStripeEvents, verifyStripeWebhook } from '../../integrations/adapters/stripe/inbound.js';
import { stripeInvoices } from '../../integrations/adapters/stripe/invoices.js';
import { localstripe, stripeMock } from '../support/stripe-emulators.js';
import { describeAdapterContract } from './adapter-contract.js';

// Stripe runs the adapter contract kit: customers on localstripe (stateful), invoices on stripe-mock
// (request shapes only: localstripe creates an invoice only for a customer with a subscription and
// moves none of the lifecycle's later steps; README, "Invoices and Stripe").

const ls = localstripe();
const secret = 'whsec_contract_kit_secret';

// Through syncedCustomerOf (fields not named are null), so a new synced field needs no change here.
const customer = (): SyncedCustomer => syncedCustomerOf({
  email: `kit-${randomUUID().slice(0, 8)}@example.com`,
  name: 'Kit',
  phone: '+1 555 0100',
  address: { line1: '1 Main St', line2: null, city: 'Springfield', state: 'IL', postalCode: '62701', country: 'US' },
  metadata: { plan: 'pro' },
});

describeAdapterContract({
  adapter: 'stripe',
  catalog: 'customer',
  emulator: 'localstripe',
  handler: stripeCustomers(ls),
  stateful: true,
  create: customer,
  update: (fields) => ({ patch: { name: 'Kit Two', 'metadata.plan': null, 'metadata.tier': 'gold' }, after: { ...fields, name: 'Kit Two', metadata: { tier: 'gold' } } }),
  overLimit: (fields) => ({ ...fields, metadata: Object.fromEntries(Array.from({ length: 50 }, (_, index) => [`k${index}`, 'v'])) }),
  unknownRemoteId: 'cus_doesnotexist000',
  webhook: {
    async roundTrip(remoteId) {
      const object = await ls.customers.retrieve(remoteId);
      const payload = JSON.stringify({ id: `evt_${randomUUID().replace(/-/g, '')}`, object: 'event', type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: { object } });
      const header = ls.webhooks.generateTestHeaderString({ payload, secret });
      return verifyStripeWebhook(ls, secret, { rawBody: Buffer.from(payload), headers: { 'stripe-signature': header } });
    },
  },
  catchUp: { listEvents: (since) => listStripeEvents(ls, since, { dueDates: false }) },
});

const invoice = (): SyncedInvoice => ({
  customerId: 'cus_kit',
  currency: 'usd',
  status: 'DRAFT',
  lines: [{ description: 'Seats', quantity: 3, unitAmount: 1_200 }],
  dueDate: '2027-01-31',
  metadata: { po: '42' },
});

describeAdapterContract({
  adapter: 'stripe',
  catalog: 'invoice',
  emulator: 'stripe-mock',
  handler: stripeInvoices(stripeMock(), { dueDates: true }),
  stateful: false,
  create: invoice,
  update: (fields) => ({ patch: { lines: [{ description: 'Seats', quantity: 4, unitAmount: 1_200 }] }, after: { ...fields, lines: [{ description: 'Seats', quantity: 4, unitAmount: 1_200 }] } }),
  overLimit: (fields) => ({ ...fields, lines: Array.from({ length: 251 }, () => fields.lines[0]!) }),
  unknownRemoteId: 'in_doesnotexist000',
});
