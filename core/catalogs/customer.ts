import { z } from 'zod';
import { defineCatalog, type FlatFields } from './contract.js';

export type { FieldKey, FieldValue, FlatFields } from './contract.js';

// The customer catalog's sync contract: the fields that sync with remote systems, in the catalog's
// own names and normal form. Both directions of every adapter map through this shape, the base of
// each linked pair (id_mapping.base) is stored in it, and the merge compares values in it.

export const CUSTOMER_CATALOG = 'customer' as const;

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

/** The customer as change envelopes carry it (`data`): every column, dates as ISO strings. */
export const customerSnapshotSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.record(z.string(), z.string().nullable()).nullable(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  deletedAt: z.iso.datetime({ offset: true }).nullable(),
});

export type CustomerSnapshot = z.infer<typeof customerSnapshotSchema>;

/** The customer catalog's contract: its synced fields and how each merges. */
export const customerCatalog = defineCatalog<typeof CUSTOMER_CATALOG, SyncedCustomer, CustomerSnapshot>({
  name: CUSTOMER_CATALOG,
  schema: syncedCustomerSchema,
  carriedSchema: syncedCustomerSchema.partial(),
  snapshotSchema: customerSnapshotSchema,
  merge: { email: 'whole', name: 'whole', phone: 'whole', address: 'whole', metadata: 'per-key' },
  references: {},
  syncedOf: syncedCustomerOf,
  partitionKeyOf: (customer) => customer.id,
  // Bases written before the contract (last synced fields) may hold an empty address object.
  legacyBase: (value) => (value && typeof value === 'object' ? syncedCustomerOf(value as Record<string, unknown>) : null),
});

/** The customer as one value per merge key (metadata keys become `metadata.<key>`). */
export const flattenCustomer = (customer: Partial<SyncedCustomer>): FlatFields => customerCatalog.flatten(customer);

/** The inverse of flattenCustomer: a null metadata value is an absent key. */
export const unflattenCustomer = (flat: FlatFields): SyncedCustomer => customerCatalog.unflatten(flat);

/** A stored base (JSON from id_mapping.base), or null when there is none. */
export const parseSyncedCustomer = (value: unknown): SyncedCustomer | null => customerCatalog.parseBase(value);
