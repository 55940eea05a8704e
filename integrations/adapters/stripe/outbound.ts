import type Stripe from 'stripe';
import { changeKindOf, type ChangeEnvelope } from '../../../core/events/envelope.js';
import type { MappingState, OutboundResult } from '../../registry/adapter.js';
import { PermanentError } from '../../registry/errors.js';
import { classifyStripeError, isMissing } from './errors.js';
import { fromCatalogCustomer } from './mappers/from-catalog-customer.js';
import { DELETED_HASH, hashCustomerFields } from './mappers/hash.js';
import { stripeLimitViolations } from './mappers/stripe-limits.js';
import { toStripeCustomer } from './mappers/to-stripe-customer.js';

/** Applies one catalog change to Stripe. Every write carries an Idempotency-Key derived from the event. */
export async function applyToStripe(stripe: Stripe, change: ChangeEnvelope, mapping: MappingState | null): Promise<OutboundResult> {
  const idempotencyKey = `catalog-gateway:${change.id}`;
  const remoteId = mapping?.remoteId ?? null;
  if (changeKindOf(change) === 'deleted') {
    if (remoteId) {
      await stripe.customers.del(remoteId, {}, { idempotencyKey }).catch((error: unknown) => {
        if (!isMissing(error)) throw classifyStripeError(error); // a missing customer is already deleted
      });
    }
    return { remoteId, hash: DELETED_HASH, fields: null };
  }

  const fields = fromCatalogCustomer(change.data);
  const params = toStripeCustomer(fields, change.entityId);
  // Stripe keeps metadata keys an update leaves out: unset the ones the catalog removed.
  const previous = mapping?.lastSyncedFields ? fromCatalogCustomer(mapping.lastSyncedFields).metadata : {};
  for (const key of Object.keys(previous)) if (!(key in fields.metadata)) params.metadata = { ...params.metadata, [key]: '' };
  const violations = stripeLimitViolations(params);
  if (violations.length > 0) throw new PermanentError(`Stripe would reject this customer: ${violations.join('; ')}`);

  const result = { hash: hashCustomerFields(fields), fields: { ...fields } };
  try {
    if (remoteId) {
      try {
        await stripe.customers.update(remoteId, params, { idempotencyKey });
        return { remoteId, ...result };
      } catch (error) {
        // Deleted in Stripe meanwhile: deletes are final, so no re-create; Stripe's
        // customer.deleted webhook deletes it locally.
        if (isMissing(error)) return { remoteId, hash: DELETED_HASH, fields: null };
        throw error;
      }
    }
    const created = await stripe.customers.create(params, { idempotencyKey });
    return { remoteId: created.id, ...result };
  } catch (error) {
    throw classifyStripeError(error);
  }
}
