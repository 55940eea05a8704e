// What every synced Stripe object (customer, invoice) shares: our local id in metadata.local_id, and
// Stripe's limits on metadata.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The local id a Stripe object carries (metadata.local_id, set when we created it), if any. */
export function localIdFromMetadata(metadata: Record<string, string> | null | undefined): string | undefined {
  const localId = metadata?.local_id;
  return localId && UUID.test(localId) ? localId.toLowerCase() : undefined;
}

/** Stripe's documented metadata limits, applied to synced metadata plus our local_id key. */
export function metadataLimitViolations(metadata: Record<string, string>, limits: { metadataKeys: number; metadataKeyLength: number; metadataValueLength: number }): string[] {
  const problems: string[] = [];
  const entries = Object.entries(metadata);
  if (entries.length + 1 > limits.metadataKeys) problems.push(`metadata has ${entries.length + 1} keys (with local_id); Stripe allows ${limits.metadataKeys}`);
  for (const [key, value] of entries) {
    if (key.length > limits.metadataKeyLength) problems.push(`metadata key "${key.slice(0, 20)}…" is over ${limits.metadataKeyLength} characters`);
    if (value.length > limits.metadataValueLength) problems.push(`metadata.${key} is over ${limits.metadataValueLength} characters`);
  }
  return problems;
}
