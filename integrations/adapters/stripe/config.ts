import { z } from 'zod';
import { secret } from '../../../core/config/parse-env.js';

/** Local emulator used when no Stripe key is configured, so sync works out of the box. */
export const LOCALSTRIPE_URL = 'http://localhost:8420';

export const stripeConfigSchema = z
  .object({
    /** A Stripe secret key (sk_test_… or sk_live_…, or rk_… restricted). Unset: localstripe. */
    STRIPE_SECRET_KEY: secret(z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key (sk_test_…)').optional()),
    /** The signing secret of the webhook endpoint (whsec_…). With localstripe: random per installation, registered automatically. */
    STRIPE_WEBHOOK_SECRET: secret(z.string().startsWith('whsec_', 'must be a webhook signing secret (whsec_…)').optional()),
    /** With localstripe and no STRIPE_WEBHOOK_SECRET: where the installation's random webhook secret is kept. */
    LOCALSTRIPE_WEBHOOK_SECRET_FILE: z.string().min(1).default('.stack/localstripe-webhook-secret'),
    /** Where the Stripe API is: https://api.stripe.com, or an emulator (localstripe, stripe-mock). */
    STRIPE_API_BASE: z.url().optional(),
    /** Seconds between reads of Stripe's event list for changes whose webhook never arrived; 0 turns it off. */
    STRIPE_CATCHUP_INTERVAL_S: z.coerce.number().int().min(0).default(60),
    /** Requests per second to Stripe, for all integrations processes together. Unset: 20 with test keys and emulators, 80 live. */
    STRIPE_RATE_LIMIT: z.coerce.number().positive().max(10_000).optional(),
  })
  .refine((env) => env.STRIPE_SECRET_KEY === undefined || env.STRIPE_WEBHOOK_SECRET !== undefined, {
    // Without it, there would be no secret Stripe signs with.
    message: 'required when STRIPE_SECRET_KEY is set (the endpoint signing secret: stripe listen, or the dashboard)',
    path: ['STRIPE_WEBHOOK_SECRET'],
  })
  .transform((env) => {
    const emulator = env.STRIPE_SECRET_KEY === undefined;
    return {
      secretKey: env.STRIPE_SECRET_KEY ?? 'sk_test_localstripe',
      /** Unset with localstripe: read from (or created in) emulatorWebhookSecretFile at start. */
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      emulatorWebhookSecretFile: env.LOCALSTRIPE_WEBHOOK_SECRET_FILE,
      apiBase: env.STRIPE_API_BASE ?? (emulator ? LOCALSTRIPE_URL : 'https://api.stripe.com'),
      /** True when talking to localstripe: the webhook endpoint is registered on it at start. */
      registerWebhookOnEmulator: emulator,
      /** No key: an emulator, whose objects belong to no real account. */
      emulator,
      catchUpIntervalMs: env.STRIPE_CATCHUP_INTERVAL_S * 1000,
      /** Below Stripe's own limits (25/s in test mode, 100/s live), leaving room for the dashboard and other clients. */
      rateLimitPerSecond: env.STRIPE_RATE_LIMIT ?? (/_live_/.test(env.STRIPE_SECRET_KEY ?? '') ? 80 : 20),
    };
  });

export type StripeAdapterConfig = z.output<typeof stripeConfigSchema>;
