// The customer fields that sync with Stripe, in the catalog's own names. Both directions map
// through this shape, and its hash is what echo detection compares.

export interface CustomerFields {
  email: string | null;
  name: string | null;
  phone: string | null;
  address: {
    line1: string | null;
    line2: string | null;
    city: string | null;
    state: string | null;
    postalCode: string | null;
    country: string | null;
  } | null;
  /** Metadata without the keys this integration keeps for itself (local_id). */
  metadata: Record<string, string>;
}
