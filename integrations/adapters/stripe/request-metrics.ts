import type Stripe from 'stripe';
import { metrics } from '../../../core/metrics/metrics.js';

/**
 * Counts every Stripe request by endpoint and status (stripe-node's `response` event), and 429s.
 * Object ids in paths become `:id`, so the endpoint label stays bounded and names no customer.
 */
export function observeStripeRequests(stripe: Stripe, integration = 'stripe'): void {
  stripe.on('response', (event: Stripe.ResponseEvent) => {
    const endpoint = `${event.method} ${stripeEndpoint(event.path)}`;
    metrics.remoteRequests.inc({ integration, endpoint, status: String(event.status) });
    if (event.status === 429) metrics.remoteRateLimited.inc({ integration });
  });
}

/** `/v1/customers/cus_123?x=1` → `/v1/customers/:id`. */
export function stripeEndpoint(path: string): string {
  return path
    .split('?')[0]!
    .split('/')
    .map((segment, index) => (index > 2 && /^[a-z]+_[A-Za-z0-9]+$/.test(segment) ? ':id' : segment))
    .join('/');
}
