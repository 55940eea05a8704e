import type Stripe from 'stripe';
import type { CatalogHandler, RemoteState } from '../../registry/adapter.js';
import { PermanentError } from '../../registry/errors.js';
import { fromStripeCustomer, localIdOf, stripeLimitViolations, toStripeCreateParams, toStripePatchParams } from './customer.mapping.js';
import { classifyStripeError, isMissing } from './errors.js';

/** The customer catalog <-> Stripe customers: creates, patches and deletes (each with an Idempotency-Key), and reads. */
export function stripeCustomers(stripe: Stripe): CatalogHandler<'customer'> {
  return {
    async create({ localId, fields, idempotencyKey }) {
      refuseOverLimits(stripeLimitViolations(fields));
      try {
        const created = await stripe.customers.create(toStripeCreateParams(fields, localId), { idempotencyKey });
        return { remoteId: created.id };
      } catch (error) {
        throw classifyStripeError(error);
      }
    },

    async update({ localId, remoteId, patch, after, idempotencyKey }) {
      refuseOverLimits(stripeLimitViolations(after));
      try {
        await stripe.customers.update(remoteId, toStripePatchParams(patch, localId), { idempotencyKey });
        return 'updated';
      } catch (error) {
        if (isMissing(error)) return 'missing';
        throw classifyStripeError(error);
      }
    },

    async delete({ remoteId, idempotencyKey }) {
      try {
        await stripe.customers.del(remoteId, {}, { idempotencyKey });
      } catch (error) {
        if (!isMissing(error)) throw classifyStripeError(error); // already gone is what we wanted
      }
    },

    // Lists by email (read-after-write, unlike Stripe Search) and checks metadata.local_id.
    async findByLocalId({ localId, fields }) {
      if (!fields.email) return null;
      try {
        for await (const customer of stripe.customers.list({ email: fields.email, limit: 100 })) {
          if (localIdOf(customer) === localId) return customer.id;
        }
        return null;
      } catch (error) {
        throw classifyStripeError(error);
      }
    },

    fetch: (remoteId) => fetchStripeCustomer(stripe, remoteId),
  };
}

/** The customer as it is in Stripe now (a deleted customer reads as gone). */
export async function fetchStripeCustomer(stripe: Stripe, remoteId: string): Promise<RemoteState<'customer'>> {
  try {
    const customer = await stripe.customers.retrieve(remoteId);
    if ('deleted' in customer && customer.deleted) return { exists: false, remoteId };
    const localId = localIdOf(customer as Stripe.Customer);
    return { exists: true, remoteId, ...(localId ? { localId } : {}), fields: fromStripeCustomer(customer as Stripe.Customer) };
  } catch (error) {
    if (isMissing(error)) return { exists: false, remoteId };
    throw classifyStripeError(error);
  }
}

function refuseOverLimits(violations: string[]): void {
  if (violations.length > 0) throw new PermanentError(`Stripe would reject this customer: ${violations.join('; ')}`);
}
