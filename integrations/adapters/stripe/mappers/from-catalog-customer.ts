import type { CustomerFields } from './customer-fields.js';

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

/** The catalog's customer snapshot (an envelope's data) as the fields Stripe syncs. */
export function fromCatalogCustomer(snapshot: Record<string, unknown>): CustomerFields {
  const address = snapshot.address && typeof snapshot.address === 'object' ? (snapshot.address as Record<string, unknown>) : null;
  const metadata: Record<string, string> = {};
  if (snapshot.metadata && typeof snapshot.metadata === 'object') {
    for (const [key, value] of Object.entries(snapshot.metadata as Record<string, unknown>)) {
      // Stripe metadata values are strings; null means "no value" on both sides.
      if (value !== null && value !== undefined && key !== 'local_id') metadata[key] = String(value);
    }
  }
  const mappedAddress = address
    ? {
        line1: text(address.line1),
        line2: text(address.line2),
        city: text(address.city),
        state: text(address.state),
        postalCode: text(address.postalCode),
        country: text(address.country),
      }
    : null;
  return {
    email: text(snapshot.email),
    name: text(snapshot.name),
    phone: text(snapshot.phone),
    // An address with no line set is no address, as on Stripe's side.
    address: mappedAddress && Object.values(mappedAddress).some((value) => value !== null) ? mappedAddress : null,
    metadata,
  };
}
