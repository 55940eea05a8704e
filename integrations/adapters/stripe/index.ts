import { defineAdapter } from '../../registry/adapter.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { refetchStripeCustomer, verifyStripeWebhook } from './inbound.js';
import { applyToStripe } from './outbound.js';
import { registerLocalstripeWebhook } from './localstripe.js';

/** Stripe customers <-> the customer catalog. Mappers: ./mappers; config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config) {
    const stripe = createStripeClient(config.secretKey, config.apiBase);
    return {
      catalogs: ['customer'],
      maxAttempts: config.maxAttempts,
      outbound: { apply: (change, mapping) => applyToStripe(stripe, change, mapping) },
      inbound: {
        verify: (request) => verifyStripeWebhook(stripe, config.webhookSecret, request),
        refetch: (change) => refetchStripeCustomer(stripe, change),
      },
      async start({ webhookUrl }) {
        if (config.registerWebhookOnEmulator) await registerLocalstripeWebhook(config.apiBase, webhookUrl, config.webhookSecret);
      },
    };
  },
});
