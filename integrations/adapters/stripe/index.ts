import { defineAdapter } from '../../registry/adapter.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { fetchStripeCustomer, listStripeCustomerEvents, verifyStripeWebhook } from './inbound.js';
import { stripeOutbound } from './outbound.js';
import { registerLocalstripeWebhook } from './localstripe.js';
import { stripeAccount } from './account.js';

/** Stripe customers <-> the customer catalog. Field mapping: ./customer.mapping.ts; config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config) {
    const stripe = createStripeClient(config.secretKey, config.apiBase);
    return {
      catalogs: ['customer'],
      account: () => stripeAccount(stripe, config),
      outbound: stripeOutbound(stripe),
      inbound: {
        verify: (request) => verifyStripeWebhook(stripe, config.webhookSecret, request),
        fetch: (_catalog, remoteId) => fetchStripeCustomer(stripe, remoteId),
      },
      catchUp: { intervalMs: config.catchUpIntervalMs, listEvents: (since) => listStripeCustomerEvents(stripe, since) },
      async start({ webhookUrl }) {
        if (config.registerWebhookOnEmulator) await registerLocalstripeWebhook(config.apiBase, webhookUrl, config.webhookSecret);
      },
    };
  },
});
