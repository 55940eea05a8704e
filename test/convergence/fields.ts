// The synced fields of a customer in one comparable shape, whichever side they were read from:
// email, name, phone, address (one field) and each metadata key ('metadata.<key>'). Every value is
// a string or null: Stripe's '' and an all-empty address are null, metadata values are strings
// (Stripe's are), and an address is its JSON with fixed key order.

export type FieldValues = Record<string, string | null>;

export const METADATA_KEYS = ['plan', 'tier', 'region', 'note'] as const;
export type SyncedField = 'email' | 'name' | 'phone' | 'address' | `metadata.${string}`;

export interface AddressShape {
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  postal_code?: string | null;
  country?: string | null;
}

const text = (value: unknown): string | null => (value === undefined || value === null || value === '' ? null : String(value));

/** An address from either side (postalCode or postal_code) as one comparable string, or null. */
export function canonicalAddress(address: AddressShape | null | undefined): string | null {
  if (!address) return null;
  const parts = {
    line1: text(address.line1),
    line2: text(address.line2),
    city: text(address.city),
    state: text(address.state),
    postalCode: text(address.postalCode ?? address.postal_code),
    country: text(address.country),
  };
  return Object.values(parts).some((value) => value !== null) ? JSON.stringify(parts) : null;
}

/** A stored value (a conflict's jsonb, a GraphQL field) of `field` in the comparable shape. */
export function canonicalValue(field: string, value: unknown): string | null {
  if (field === 'address') return typeof value === 'string' ? (value === '' ? null : value.startsWith('{') ? canonicalAddress(JSON.parse(value) as AddressShape) : value) : canonicalAddress(value as AddressShape | null);
  if (field === 'email' && typeof value === 'string') return value.toLowerCase();
  return text(value);
}

export interface CustomerLike {
  email?: string | null;
  name?: string | null;
  phone?: string | null;
  address?: AddressShape | null;
  metadata?: Record<string, unknown> | null;
}

/** The synced fields of a local (catalog) or Stripe customer; Stripe's metadata.local_id is ours, not a field. */
export function fieldsOf(customer: CustomerLike): FieldValues {
  const fields: FieldValues = {
    email: canonicalValue('email', customer.email),
    name: text(customer.name),
    phone: text(customer.phone),
    address: canonicalAddress(customer.address),
  };
  for (const [key, value] of Object.entries(customer.metadata ?? {})) {
    if (key === 'local_id') continue;
    const canonical = text(value);
    if (canonical !== null) fields[`metadata.${key}`] = canonical;
  }
  return fields;
}

/** Fields whose values differ (a missing metadata key is null). */
export function differingFields(a: FieldValues, b: FieldValues): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((name) => (a[name] ?? null) !== (b[name] ?? null)).sort();
}
