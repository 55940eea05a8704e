import type Stripe from 'stripe';
import type { RemotePage } from '../../registry/adapter.js';
import { fromStripeCustomer, localIdOf } from './customer.mapping.js';
import { classifyStripeError } from './errors.js';

/** One page of Stripe customers (newest first, as Stripe lists them), resumable by `starting_after`. */
export async function listStripeCustomerPage(stripe: Stripe, request: { cursor: string | null; limit: number; since?: Date }): Promise<RemotePage> {
  try {
    const page = await stripe.customers.list({
      limit: request.limit,
      ...(request.cursor ? { starting_after: request.cursor } : {}),
    });
    // Filtered here rather than with `created[gte]`, which localstripe refuses (and it lists in
    // another order than Stripe, so no early stop either).
    const since = request.since ? request.since.getTime() / 1000 : -Infinity;
    const items = page.data
      .filter((customer) => customer.created >= since)
      .map((customer) => {
        const localId = localIdOf(customer);
        return { remoteId: customer.id, ...(localId ? { localId } : {}), fields: fromStripeCustomer(customer) };
      });
    return { items, next: page.has_more && page.data.length > 0 ? page.data.at(-1)!.id : null };
  } catch (error) {
    throw classifyStripeError(error);
  }
}
