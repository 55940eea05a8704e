import { defineAdapter } from '../../registry/adapter.js';
import { createStripeClient } from './client.js';
import { stripeConfigSchema, type StripeAdapterConfig } from './config.js';
import { refetchStripeCustomer, verifyStripeWebhook } from './inbound.js';
import { applyToStripe } from './outbound.js';
import { loadOrCreateEmulatorWebhookSecret, registerLocalstripeWebhook } from './localstripe.js';
import { WebhookRejectedError } from '../../registry/errors.js';

/** Stripe customers <-> the customer catalog. Mappers: ./mappers; config: ./config.ts. */
export const stripeAdapter = defineAdapter<StripeAdapterConfig>({
  name: 'stripe',
  configSchema: stripeConfigSchema,
  create(config) {
    const stripe = createStripeClient(config.secretKey, config.apiBase);
    let webhookSecret = config.webhookSecret;
    return {
      catalogs: ['customer'],
      maxAttempts: config.maxAttempts,
      outbound: { apply: (change, mapping) => applyToStripe(stripe, change, mapping) },
      inbound: {
        verify: (request) => {
          if (!webhookSecret) throw new WebhookRejectedError('no webhook secret yet (the adapter has not started)');
          return verifyStripeWebhook(stripe, webhookSecret, request);
        },
        refetch: (change) => refetchStripeCustomer(stripe, change),
      },
      async start({ webhookUrl }) {
        if (!config.registerWebhookOnEmulator) return;
        // Random per installation, never a value published in the code: anyone could sign with that.
        webhookSecret ??= await loadOrCreateEmulatorWebhookSecret(config.emulatorWebhookSecretFile);
        await registerLocalstripeWebhook(config.apiBase, webhookUrl, webhookSecret);
      },
    };
  },
});
