import { z } from 'zod';
import { defineCatalog, type FlatFields, type MergeRule } from './contract.js';

export type { FieldKey, FieldValue, FlatFields } from './contract.js';

// The customer catalog's sync contract: the fields that sync with remote systems, in the catalog's
// own names and normal form. Both directions of every adapter map through this shape, the base of
// each linked pair (id_mapping.base) is stored in it, and the merge compares values in it.

export const CUSTOMER_CATALOG = 'customer' as const;

const text = z.string().min(1).nullable();

/** Keys the integration keeps for itself in remote metadata (never part of the catalog's data). */
export const RESERVED_METADATA_KEYS = ['local_id'] as const;

const textOf = (value: unknown): string | null => (typeof value === 'string' && value.trim().length > 0 ? value : null);

// Input rules: what a client (GraphQL) or an integration (inbound changes) may write. Changes from
// integrations are held to the same rules as changes from clients.

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
const optionalText = (max: number) => z.string().trim().min(1, 'must not be empty').max(max).nullish();
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_BYTES = 8_192;

export const addressInputSchema = z
  .object({
    line1: optionalText(200),
    line2: optionalText(200),
    city: optionalText(100),
    state: optionalText(100),
    postalCode: optionalText(20),
    country: z.string().trim().regex(/^[A-Za-z]{2}$/, 'must be a two-letter ISO 3166-1 country code').transform((code) => code.toUpperCase()).nullish(),
  })
  .strict();

export const syncedAddressSchema = z.object({
  line1: text,
  line2: text,
  city: text,
  state: text,
  postalCode: text,
  country: text,
});

export type SyncedAddress = z.infer<typeof syncedAddressSchema>;

function syncedAddressOf(value: unknown): SyncedAddress | null {
  if (!value || typeof value !== 'object') return null;
  const address = value as Record<string, unknown>;
  const mapped: SyncedAddress = {
    line1: textOf(address.line1),
    line2: textOf(address.line2),
    city: textOf(address.city),
    state: textOf(address.state),
    postalCode: textOf(address.postalCode),
    country: textOf(address.country),
  };
  // An address with no line is no address.
  return Object.values(mapped).some((line) => line !== null) ? mapped : null;
}

function syncedMetadataOf(value: unknown): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (value && typeof value === 'object') {
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry === null || entry === undefined || entry === '') continue;
      if ((RESERVED_METADATA_KEYS as readonly string[]).includes(key)) continue;
      metadata[key] = String(entry);
    }
  }
  return metadata;
}

/**
 * Every synced customer field, once: its normal form (`synced`: the base in id_mapping, inbound
 * data, the merge), how the row and change envelopes hold it (`stored`), what may be written to it
 * (`input`, the create form: the update form is the same with every field optional), how it merges,
 * and how a stored or input value becomes its normal form. The schemas below, `syncedCustomerOf`,
 * the input validation, the snapshot, and the store's columns are all derived from this table, so a
 * new synced field is one entry here (plus the Prisma model, the GraphQL type and each adapter's
 * mapping; docs/adding-a-catalog.md). The row's column of a field is named by the field (the Prisma
 * model's field of the same name).
 */
export const customerFields = {
  /** Normalised (trimmed, lower case); unique among live customers; required. */
  email: {
    synced: text,
    stored: z.string(),
    input: z.string().trim().max(254).pipe(z.email('must be a valid email address')).transform(normalizeEmail),
    merge: 'whole',
    // Emails are compared as the catalog stores them: trimmed, lower case.
    syncedOf: (value: unknown) => textOf(value)?.trim().toLowerCase() ?? null,
  },
  name: { synced: text, stored: z.string().nullable(), input: optionalText(200), merge: 'whole', syncedOf: textOf },
  phone: {
    synced: text,
    stored: z.string().nullable(),
    input: z.string().trim().regex(/^\+?[0-9 ()\-.]{3,30}$/, 'must be a phone number').nullish(),
    merge: 'whole',
    syncedOf: textOf,
  },
  /** One field: a change to any line replaces the whole address. */
  address: {
    synced: syncedAddressSchema.nullable(),
    stored: z.record(z.string(), z.string().nullable()).nullable(),
    input: addressInputSchema.nullish(),
    merge: 'whole',
    syncedOf: syncedAddressOf,
  },
  /** Merged per key. Values are strings (as in Stripe and most CRMs); no value is no key. */
  metadata: {
    synced: z.record(z.string(), z.string()),
    stored: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
    input: z
      .record(z.string().min(1).max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
      .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`)
      .refine((value) => JSON.stringify(value).length <= MAX_METADATA_BYTES, `at most ${MAX_METADATA_BYTES} bytes`)
      .nullish(),
    merge: 'per-key',
    syncedOf: syncedMetadataOf,
  },
} satisfies Record<string, { synced: z.ZodType; stored: z.ZodType; input: z.ZodType; merge: MergeRule; syncedOf: (value: unknown) => unknown }>;

type CustomerFields = typeof customerFields;
export type CustomerFieldName = keyof CustomerFields & string;

// Compile-time check: each field's `syncedOf` gives a value of its `synced` schema.
type SyncedOfFits = { [Field in CustomerFieldName]: ReturnType<CustomerFields[Field]['syncedOf']> extends z.infer<CustomerFields[Field]['synced']> ? true : false };
const syncedOfFits: SyncedOfFits[CustomerFieldName] = true;
void syncedOfFits;

/** One part of every field definition, as a zod shape (field name -> that part). */
function shapeOf<Part extends 'synced' | 'stored' | 'input'>(part: Part): { [Field in CustomerFieldName]: CustomerFields[Field][Part] } {
  return Object.fromEntries(Object.entries(customerFields).map(([field, definition]) => [field, definition[part]])) as { [Field in CustomerFieldName]: CustomerFields[Field][Part] };
}

export const syncedCustomerSchema = z.object(shapeOf('synced'));
export type SyncedCustomer = z.infer<typeof syncedCustomerSchema>;

/** The create form of customer input, field by field (customer-input.ts builds the schemas). */
export const customerInputShape = shapeOf('input');

/**
 * The synced fields of a customer as the catalog holds it (a row, an event snapshot, or an input):
 * each field's value in normal form (empty strings are no value, an address with no line is no
 * address, metadata values are strings).
 */
export function syncedCustomerOf(customer: { [Field in CustomerFieldName]?: unknown }): SyncedCustomer {
  return Object.fromEntries(
    Object.entries(customerFields).map(([field, definition]) => [field, definition.syncedOf(customer[field as CustomerFieldName])]),
  ) as SyncedCustomer;
}

/**
 * The stored forms, where a nullable field that a snapshot lacks reads as null: a snapshot written
 * before the field existed (in a topic, the outbox or the dead-letter topic during an upgrade) still
 * parses, so adding a nullable synced field needs no new envelope version.
 */
function storedShapeOfOlderSnapshots() {
  const shape = shapeOf('stored');
  return Object.fromEntries(
    Object.entries(shape).map(([field, schema]) => [field, (schema as z.ZodType).safeParse(null).success ? (schema as z.ZodType).default(null) : schema]),
  ) as typeof shape;
}

/** The customer as change envelopes carry it (`data`): every column, dates as ISO strings. */
export const customerSnapshotSchema = z.object({
  id: z.uuid(),
  ...storedShapeOfOlderSnapshots(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  deletedAt: z.iso.datetime({ offset: true }).nullable(),
});

export type CustomerSnapshot = z.infer<typeof customerSnapshotSchema>;

/** A customer row (the Prisma model's shape): the synced fields, id, version and timestamps. */
export type CustomerRowLike = { [Field in CustomerFieldName]: unknown } & { id: string; version: number; createdAt: Date; updatedAt: Date; deletedAt: Date | null };

/**
 * A row as the customer's snapshot: plain JSON, every field, dates as ISO strings. Parsed by the
 * contract, so a row whose JSON columns do not fit never reaches the wire.
 */
export function customerSnapshotOf(customer: CustomerRowLike): CustomerSnapshot {
  const fields = Object.fromEntries(Object.keys(customerFields).map((field) => [field, customer[field as CustomerFieldName]]));
  return customerSnapshotSchema.parse({
    id: customer.id,
    ...fields,
    version: customer.version,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
    deletedAt: customer.deletedAt?.toISOString() ?? null,
  });
}

/** The customer catalog's contract: its synced fields and how each merges. */
export const customerCatalog = defineCatalog<typeof CUSTOMER_CATALOG, SyncedCustomer, CustomerSnapshot>({
  name: CUSTOMER_CATALOG,
  schema: syncedCustomerSchema,
  carriedSchema: syncedCustomerSchema.partial(),
  snapshotSchema: customerSnapshotSchema,
  merge: Object.fromEntries(Object.entries(customerFields).map(([field, definition]) => [field, definition.merge])) as { [Field in CustomerFieldName]: MergeRule },
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
