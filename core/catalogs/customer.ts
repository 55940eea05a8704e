import { z } from 'zod';

// The customer catalog's sync contract: the fields that sync with remote systems, in the catalog's
// own names and normal form. Both directions of every adapter map through this shape, the base of
// each linked pair (id_mapping.base) is stored in it, and the merge compares values in it.

export const CUSTOMER_CATALOG = 'customer';

const text = z.string().min(1).nullable();

export const syncedAddressSchema = z.object({
  line1: text,
  line2: text,
  city: text,
  state: text,
  postalCode: text,
  country: text,
});

export const syncedCustomerSchema = z.object({
  email: text,
  name: text,
  phone: text,
  /** One field: a change to any line replaces the whole address. */
  address: syncedAddressSchema.nullable(),
  /** Merged per key. Values are strings (as in Stripe and most CRMs); no value is no key. */
  metadata: z.record(z.string(), z.string()),
});

export type SyncedAddress = z.infer<typeof syncedAddressSchema>;
export type SyncedCustomer = z.infer<typeof syncedCustomerSchema>;

/** Keys the integration keeps for itself in remote metadata (never part of the catalog's data). */
export const RESERVED_METADATA_KEYS = ['local_id'] as const;

const textOf = (value: unknown): string | null => (typeof value === 'string' && value.trim().length > 0 ? value : null);

/**
 * The synced fields of a customer as the catalog holds it (a row, an event snapshot, or an input):
 * empty strings are no value, an address with no line is no address, metadata values are strings.
 */
export function syncedCustomerOf(customer: {
  email?: unknown;
  name?: unknown;
  phone?: unknown;
  address?: unknown;
  metadata?: unknown;
}): SyncedCustomer {
  const address = customer.address && typeof customer.address === 'object' ? (customer.address as Record<string, unknown>) : null;
  const mappedAddress: SyncedAddress | null = address
    ? {
        line1: textOf(address.line1),
        line2: textOf(address.line2),
        city: textOf(address.city),
        state: textOf(address.state),
        postalCode: textOf(address.postalCode),
        country: textOf(address.country),
      }
    : null;
  const metadata: Record<string, string> = {};
  if (customer.metadata && typeof customer.metadata === 'object') {
    for (const [key, value] of Object.entries(customer.metadata as Record<string, unknown>)) {
      if (value === null || value === undefined || value === '') continue;
      if ((RESERVED_METADATA_KEYS as readonly string[]).includes(key)) continue;
      metadata[key] = String(value);
    }
  }
  return {
    // Emails are compared as the catalog stores them: trimmed, lower case.
    email: textOf(customer.email)?.trim().toLowerCase() ?? null,
    name: textOf(customer.name),
    phone: textOf(customer.phone),
    address: mappedAddress && Object.values(mappedAddress).some((value) => value !== null) ? mappedAddress : null,
    metadata,
  };
}

/** Field keys the merge works on: the scalar fields, `address`, and `metadata.<key>` per key. */
export type FieldKey = string;
export type FieldValue = string | SyncedAddress | null;
export type FlatFields = Record<FieldKey, FieldValue>;

const METADATA_PREFIX = 'metadata.';

/** The customer as one value per merge key (metadata keys become `metadata.<key>`). */
export function flattenCustomer(customer: SyncedCustomer): FlatFields {
  const flat: FlatFields = { email: customer.email, name: customer.name, phone: customer.phone, address: customer.address };
  for (const [key, value] of Object.entries(customer.metadata)) flat[`${METADATA_PREFIX}${key}`] = value;
  return flat;
}

/** The inverse of flattenCustomer: a null metadata value is an absent key. */
export function unflattenCustomer(flat: FlatFields): SyncedCustomer {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(flat)) {
    if (key.startsWith(METADATA_PREFIX) && typeof value === 'string') metadata[key.slice(METADATA_PREFIX.length)] = value;
  }
  return {
    email: (flat.email as string | null | undefined) ?? null,
    name: (flat.name as string | null | undefined) ?? null,
    phone: (flat.phone as string | null | undefined) ?? null,
    address: (flat.address as SyncedAddress | null | undefined) ?? null,
    metadata,
  };
}

/** A stored base (JSON from id_mapping.base), or null when there is none or it does not parse. */
export function parseSyncedCustomer(value: unknown): SyncedCustomer | null {
  if (value === null || value === undefined) return null;
  const result = syncedCustomerSchema.safeParse(value);
  // Bases written before the contract (last synced fields) may hold an empty address object.
  return result.success ? result.data : syncedCustomerOf(value as Record<string, unknown>);
}
