import type Stripe from 'stripe';

// Stripe's documented limits on customer fields. A request over them is a certain 400, so it is
// refused here as a permanent failure without spending the rate budget on it.
const MAX_METADATA_KEYS = 50;
const MAX_METADATA_KEY_LENGTH = 40;
const MAX_METADATA_VALUE_LENGTH = 500;
const MAX_PHONE_LENGTH = 20;
const MAX_NAME_LENGTH = 256;

/** What in `params` Stripe would reject, or an empty list. */
export function stripeLimitViolations(params: Stripe.CustomerCreateParams): string[] {
  const problems: string[] = [];
  const metadata = Object.entries((params.metadata ?? {}) as Record<string, string>);
  if (metadata.length > MAX_METADATA_KEYS) problems.push(`metadata has ${metadata.length} keys (with local_id); Stripe allows ${MAX_METADATA_KEYS}`);
  for (const [key, value] of metadata) {
    if (key.length > MAX_METADATA_KEY_LENGTH) problems.push(`metadata key "${key.slice(0, 20)}…" is over ${MAX_METADATA_KEY_LENGTH} characters`);
    if (value.length > MAX_METADATA_VALUE_LENGTH) problems.push(`metadata.${key} is over ${MAX_METADATA_VALUE_LENGTH} characters`);
  }
  if ((params.phone ?? '').length > MAX_PHONE_LENGTH) problems.push(`phone is over ${MAX_PHONE_LENGTH} characters`);
  if ((params.name ?? '').length > MAX_NAME_LENGTH) problems.push(`name is over ${MAX_NAME_LENGTH} characters`);
  return problems;
}
