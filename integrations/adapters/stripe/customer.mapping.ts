import type Stripe from 'stripe';
import { localIdFromMetadata, metadataLimitViolations } from './metadata.js';
import type { FlatFields, SyncedAddress, SyncedCustomer } from '../../../core/catalogs/customer.js';
import { RESERVED_METADATA_KEYS, syncedCustomerOf } from '../../../core/catalogs/customer.js';
import type { ReceivedChange } from '../../registry/adapter.js';
import { WebhookRejectedError } from '../../registry/errors.js';

// Where each synced customer field goes in Stripe, both directions, and Stripe's limits on them.
//
//   catalog              Stripe customer
//   email                email
//   name                 name
//   phone                phone
//   address.postalCode   address.postal_code   (other lines keep their names; one field: sent whole)
//   metadata.<key>       metadata[<key>]       (strings; '' unsets a key)
//   (the local id)       metadata[local_id]    (ours: lets a lost link be found again)

// Stripe's documented limits. A request over them is a certain 400, so it is refused before sending.
export const STRIPE_CUSTOMER_LIMITS = {
  metadataKeys: 50,
  metadataKeyLength: 40,
  metadataValueLength: 500,
  phoneLength: 20,
  nameLength: 256,
} as const;

type CustomerParams = Stripe.CustomerCreateParams & Stripe.CustomerUpdateParams;

/** Stripe's address params for a catalog address; a cleared address is sent as empty lines. */
function toStripeAddress(address: SyncedAddress | null): Stripe.AddressParam {
  return {
    line1: address?.line1 ?? '',
    line2: address?.line2 ?? '',
    city: address?.city ?? '',
    state: address?.state ?? '',
    postal_code: address?.postalCode ?? '',
    country: address?.country ?? '',
  };
}

/** Create parameters: every field, with the local id in metadata.local_id. */
export function toStripeCreateParams(fields: SyncedCustomer, localId: string): CustomerCreateParams {
  return {
    ...(fields.email ? { email: fields.email } : {}),
    ...(fields.name ? { name: fields.name } : {}),
    ...(fields.phone ? { phone: fields.phone } : {}),
    ...(fields.address ? { address: toStripeAddress(fields.address) } : {}),
    metadata: { ...fields.metadata, local_id: localId },
  };
}
type CustomerCreateParams = Stripe.CustomerCreateParams;

/**
 * Update parameters carrying only the patch: untouched fields are left out, so edits made in Stripe
 * to other fields survive. Cleared values are sent as '' (Stripe's way to unset a value).
 */
export function toStripePatchParams(patch: FlatFields, localId: string): Stripe.CustomerUpdateParams {
  const params: CustomerParams = {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'email') params.email = (value as string | null) ?? '';
    else if (key === 'name') params.name = (value as string | null) ?? '';
    else if (key === 'phone') params.phone = (value as string | null) ?? '';
    else if (key === 'address') params.address = toStripeAddress(value as SyncedAddress | null);
    else if (key.startsWith('metadata.')) metadata[key.slice('metadata.'.length)] = (value as string | null) ?? '';
  }
  // The local id rides along with any metadata change, so it is restored if someone removed it.
  if (Object.keys(metadata).length > 0) params.metadata = { ...metadata, local_id: localId };
  return params;
}

const text = (value: string | null | undefined): string | null => (value ? value : null);

/**
 * A Stripe customer as the catalog's synced fields (the inverse of the params above), in the
 * contract's normal form, so that values compare equal to the catalog's (e.g. emails lower case).
 */
export function fromStripeCustomer(customer: Stripe.Customer): SyncedCustomer {
  return syncedCustomerOf(stripeFields(customer));
}

function stripeFields(customer: Stripe.Customer): SyncedCustomer {
  const metadata = Object.fromEntries(
    Object.entries(customer.metadata ?? {}).filter(([key, value]) => !(RESERVED_METADATA_KEYS as readonly string[]).includes(key) && value !== ''),
  );
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
  return localIdFromMetadata(customer.metadata);
}

/** What Stripe would reject in a customer with these fields (plus our local_id key), or nothing. */
export function stripeLimitViolations(fields: SyncedCustomer): string[] {
  const limits = STRIPE_CUSTOMER_LIMITS;
  const problems = metadataLimitViolations(fields.metadata, limits);
  if ((fields.phone ?? '').length > limits.phoneLength) problems.push(`phone is over ${limits.phoneLength} characters`);
  if ((fields.name ?? '').length > limits.nameLength) problems.push(`name is over ${limits.nameLength} characters`);
  return problems;
}

/** The Stripe events about customers, and what each says happened. */
export const CUSTOMER_EVENTS: Record<string, ReceivedChange['kind']> = {
  'customer.created': 'created',
  'customer.updated': 'updated',
  'customer.deleted': 'deleted',
};

/** A customer event as a change of the customer catalog. */
export function receivedCustomerChange(event: Stripe.Event, occurredAt: Date): ReceivedChange {
  const kind = CUSTOMER_EVENTS[event.type]!;
  const customer = event.data.object as Stripe.Customer;
  if (!customer?.id) throw new WebhookRejectedError(`${event.type} ${event.id} carries no customer`);
  const localId = localIdOf(customer);
  return { catalog: 'customer', kind, remoteId: customer.id, occurredAt, ...(localId ? { localId } : {}), ...(kind === 'deleted' ? {} : { fields: fromStripeCustomer(customer) }) };
}
