import type Stripe from 'stripe';
import type { CustomerFields } from './customer-fields.js';

/**
 * Stripe create/update parameters for a catalog customer. The local id travels in
 * metadata.local_id, so a lost mapping can be recovered from Stripe. Fields the catalog has
 * cleared are sent as '' (Stripe's way to unset a value); a cleared address as an address of empty
 * fields, which both Stripe and localstripe accept (localstripe rejects `address=''`).
 */
export function toStripeCustomer(fields: CustomerFields, localId: string): Stripe.CustomerCreateParams & Stripe.CustomerUpdateParams {
  return {
    email: fields.email ?? '',
    name: fields.name ?? '',
    phone: fields.phone ?? '',
    address: {
      line1: fields.address?.line1 ?? '',
      line2: fields.address?.line2 ?? '',
      city: fields.address?.city ?? '',
      state: fields.address?.state ?? '',
      postal_code: fields.address?.postalCode ?? '',
      country: fields.address?.country ?? '',
    },
    metadata: { ...fields.metadata, local_id: localId },
  };
}
