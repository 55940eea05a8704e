import { defineAdapter } from '../../registry/adapter.js';
import { listStripeCustomerPage } from './bulk.js';
import { observeStripeRequests } from './request-metrics.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { fetchStripeCustomer, listStripeCustomerEvents, verifyStripeWebhook } from './inbound.js';
import { stripeOutbound } from './outbound.js';
import { loadOrCreateEmulatorWebhookSecret, registerLocalstripeWebhook } from './localstripe.js';
import { stripeAccount } from './account.js';
import { WebhookRejectedError } from '../../registry/errors.js';

/** Stripe customers <-> the customer catalog. Field mapping: ./customer.mapping.ts; config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config) {
    const stripe = createStripeClient(config.secretKey, config.apiBase);
    observeStripeRequests(stripe);
    let webhookSecret = config.webhookSecret;
    return {
      catalogs: ['customer'],
      account: () => stripeAccount(stripe, config),
      outbound: stripeOutbound(stripe),
      inbound: {
        verify: (request) => {
          if (!webhookSecret) throw new WebhookRejectedError('no webhook secret yet (the adapter has not started)');
          return verifyStripeWebhook(stripe, webhookSecret, request);
        },
        fetch: (_catalog, remoteId) => fetchStripeCustomer(stripe, remoteId),
      },
      bulk: { listPage: (_catalog, request) => listStripeCustomerPage(stripe, request) },
      catchUp: { intervalMs: config.catchUpIntervalMs, listEvents: (since) => listStripeCustomerEvents(stripe, since) },
      async start({ webhookUrl }) {
        if (!config.registerWebhookOnEmulator) return;
        // Random per installation, never a value published in the code: anyone could sign with that.
        webhookSecret ??= await loadOrCreateEmulatorWebhookSecret(config.emulatorWebhookSecretFile);
        await registerLocalstripeWebhook(config.apiBase, webhookUrl, webhookSecret);
      },
    };
  },
});
