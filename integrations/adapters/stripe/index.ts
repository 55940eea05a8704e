import { defineAdapter } from '../../registry/adapter.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { listStripeEvents, verifyStripeWebhook } from './inbound.js';
import { stripeCustomers } from './customers.js';
import { stripeInvoices } from './invoices.js';
import { loadOrCreateEmulatorWebhookSecret, registerLocalstripeWebhook } from './localstripe.js';
import { stripeAccount } from './account.js';
import { WebhookRejectedError } from '../../registry/errors.js';

/** Stripe <-> the catalogs: customers (./customers.ts, ./customer.mapping.ts) and invoices (./invoices.ts, ./invoice.mapping.ts). Config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config) {
    const stripe = createStripeClient(config.secretKey, config.apiBase);
    let webhookSecret = config.webhookSecret;
    // localstripe has no due dates (nor collection methods): the field is not carried there.
    const invoiceOptions = { dueDates: !config.emulator };
    return {
      catalogs: { customer: stripeCustomers(stripe), invoice: stripeInvoices(stripe, invoiceOptions) },
      account: () => stripeAccount(stripe, config),
      inbound: {
        verify: (request) => {
          if (!webhookSecret) throw new WebhookRejectedError('no webhook secret yet (the adapter has not started)');
          return verifyStripeWebhook(stripe, webhookSecret, request, invoiceOptions);
        },
      },
      catchUp: { intervalMs: config.catchUpIntervalMs, listEvents: (since) => listStripeEvents(stripe, since, invoiceOptions) },
      async start({ webhookUrl }) {
        if (!config.registerWebhookOnEmulator) return;
        // Random per installation, never a value published in the code: anyone could sign with that.
        webhookSecret ??= await loadOrCreateEmulatorWebhookSecret(config.emulatorWebhookSecretFile);
        await registerLocalstripeWebhook(config.apiBase, webhookUrl, webhookSecret);
      },
    };
  },
});
