import type Stripe from 'stripe';
import type { RemoteAccount } from '../../registry/adapter.js';
import type { StripeAdapterConfig } from './config.js';
import { classifyStripeError } from './errors.js';

/**
 * Which Stripe account and mode the configured key belongs to (links are scoped to it). Without a
 * key the process talks to an emulator, whose objects are no real account's.
 */
export async function stripeAccount(stripe: Stripe, config: StripeAdapterConfig): Promise<RemoteAccount> {
  if (config.emulator) return { account: 'emulator', mode: 'emulator' };
  const mode = /_live_/.test(config.secretKey) ? 'live' : 'test';
  try {
    const account = await stripe.accounts.retrieveCurrent();
    return { account: account.id, mode };
  } catch (error) {
    throw classifyStripeError(error);
  }
}
