import { customerSnapshotOf, type CustomerSnapshot } from '../../../core/catalogs/customer.js';
import type { Customer } from '../../../core/db/generated/client.js';

export type { CustomerSnapshot } from '../../../core/catalogs/customer.js';

/**
 * The customer as carried in event envelopes: plain JSON, every field, dates as ISO strings. Built
 * and parsed by the catalog's contract, so a row whose JSON columns do not fit never reaches the wire.
 */
export function customerSnapshot(customer: Customer): CustomerSnapshot {
  return customerSnapshotOf(customer);
}
