import { createHash } from 'node:crypto';
import { defineAdapter } from '../../registry/adapter.js';
import { listStripeCustomerPage } from './bulk.js';
import { observeStripeRequests } from './request-metrics.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { listStripeEvents, verifyStripeWebhook } from './inbound.js';
import { stripeCustomers } from './customers.js';
import { stripeInvoices } from './invoices.js';
import { loadOrCreateEmulatorWebhookSecret, registerLocalstripeWebhook } from './localstripe.js';
import { stripeAccount } from './account.js';
import { WebhookRejectedError } from '../../registry/errors.js';

/** The rate budget's bucket: per account, or per emulator address, or (before the account is known) per key. */
function stripeRateBucket(config: StripeAdapterConfig, account?: string): string {
  if (config.emulator) return `stripe:emulator@${config.apiBase}`;
  if (account) return `stripe:${account}`;
  return `stripe:key-${createHash('sha256').update(config.secretKey).digest('hex').slice(0, 16)}`;
}

/** Stripe <-> the catalogs: customers (./customers.ts, ./customer.mapping.ts) and invoices (./invoices.ts, ./invoice.mapping.ts). Config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config, services) {
    // Stripe limits requests per account. Until the account behind the key is read (the first
    // call), the budget is that key's; an emulator is a remote of its own, per address.
    const budget = services.rateBudget({ bucket: stripeRateBucket(config), requestsPerSecond: config.rateLimitPerSecond });
    const stripe = createStripeClient(config.secretKey, config.apiBase, budget);
    observeStripeRequests(stripe);
    let webhookSecret = config.webhookSecret;
    // localstripe has no due dates (nor collection methods): the field is not carried there.
    const invoiceOptions = { dueDates: !config.emulator };
    return {
      catalogs: { customer: stripeCustomers(stripe), invoice: stripeInvoices(stripe, invoiceOptions) },
      async account() {
        const account = await stripeAccount(stripe, config);
        budget.rebind(stripeRateBucket(config, account.account));
        return account;
      },
      inbound: {
        verify: (request) => {
          if (!webhookSecret) throw new WebhookRejectedError('no webhook secret yet (the adapter has not started)');
          return verifyStripeWebhook(stripe, webhookSecret, request, invoiceOptions);
        },
      },
      bulk: { listPage: (_catalog, request) => listStripeCustomerPage(stripe, request) },
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
