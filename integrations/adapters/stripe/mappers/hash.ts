import { createHash } from 'node:crypto';
import type { CustomerFields } from './customer-fields.js';

/** Order-independent hash of the synced fields: equal hashes mean nothing changed. */
export function hashCustomerFields(fields: CustomerFields): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}

/** A deleted customer's hash, so a `customer.deleted` webhook after our own delete is an echo. */
export const DELETED_HASH = 'deleted';

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}
