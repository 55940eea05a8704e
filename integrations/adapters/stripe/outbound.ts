import type Stripe from 'stripe';
import { changeKindOf, type ChangeEnvelope } from '../../../core/events/envelope.js';
import type { MappingState, OutboundResult } from '../../registry/adapter.js';
import { classifyStripeError, isMissing } from './errors.js';
import { fromCatalogCustomer } from './mappers/from-catalog-customer.js';
import { DELETED_HASH, hashCustomerFields } from './mappers/hash.js';
import { toStripeCustomer } from './mappers/to-stripe-customer.js';

/** Applies one catalog change to Stripe. Every write carries an Idempotency-Key derived from the event. */
export async function applyToStripe(stripe: Stripe, change: ChangeEnvelope, mapping: MappingState | null): Promise<OutboundResult> {
  const idempotencyKey = `catalog-gateway:${change.id}`;
  const remoteId = mapping?.remoteId ?? null;
  try {
    if (changeKindOf(change) === 'deleted') {
      if (remoteId) {
        await stripe.customers.del(remoteId, {}, { idempotencyKey }).catch((error: unknown) => {
          if (!isMissing(error)) throw error; // already gone: the delete is done
        });
      }
      return { remoteId, hash: DELETED_HASH };
    }

    const fields = fromCatalogCustomer(change.data);
    const params = toStripeCustomer(fields, change.entityId);
    const hash = hashCustomerFields(fields);
    if (remoteId) {
      try {
        await stripe.customers.update(remoteId, params, { idempotencyKey });
        return { remoteId, hash };
      } catch (error) {
        // Deleted in Stripe meanwhile: deletes are final, so no re-create; Stripe's
        // customer.deleted webhook deletes it locally.
        if (isMissing(error)) return { remoteId, hash: DELETED_HASH };
        throw error;
      }
    }
    const created = await stripe.customers.create(params, { idempotencyKey });
    return { remoteId: created.id, hash };
  } catch (error) {
    throw classifyStripeError(error);
  }
}
