import Stripe from 'stripe';

/** stripe-node pointed at `apiBase` (Stripe itself or an emulator). Retries are ours, not the SDK's. */
export function createStripeClient(secretKey: string, apiBase: string): Stripe {
  const url = new URL(apiBase);
  return new Stripe(secretKey, {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 0,
    timeout: 10_000,
    appInfo: { name: 'catalog-gateway' },
  });
}
