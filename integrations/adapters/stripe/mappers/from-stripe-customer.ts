import type Stripe from 'stripe';
import type { CustomerFields } from './customer-fields.js';

const text = (value: string | null | undefined): string | null => (value ? value : null);

/** A Stripe customer object as the fields the catalog syncs (the inverse of toStripeCustomer). */
export function fromStripeCustomer(customer: Stripe.Customer): CustomerFields {
  // '' is Stripe's "no value" (an unset key); local_id is ours, not the customer's.
  const metadata = Object.fromEntries(Object.entries(customer.metadata ?? {}).filter(([key, value]) => key !== 'local_id' && value !== ''));
  const address = customer.address;
  const hasAddress = address && Object.values(address).some((value) => value);
  return {
    email: text(customer.email),
    name: text(customer.name),
    phone: text(customer.phone),
    address: hasAddress
      ? {
          line1: text(address.line1),
          line2: text(address.line2),
          city: text(address.city),
          state: text(address.state),
          postalCode: text(address.postal_code),
          country: text(address.country),
        }
      : null,
    metadata,
  };
}

/** The local id Stripe carries for a customer we created, if any. */
export function localIdOf(customer: Stripe.Customer): string | undefined {
  const localId = customer.metadata?.local_id;
  return localId && /^[0-9a-f-]{36}$/i.test(localId) ? localId : undefined;
}
