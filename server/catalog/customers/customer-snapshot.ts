import { customerSnapshotSchema, type CustomerSnapshot } from '../../../core/catalogs/customer.js';
import type { Customer } from '../../../core/db/generated/client.js';

export type { CustomerSnapshot } from '../../../core/catalogs/customer.js';

/**
 * The customer as carried in event envelopes: plain JSON, every field, dates as ISO strings. Parsed
 * by the catalog's contract, so a row whose JSON columns do not fit never reaches the wire.
 */
export function customerSnapshot(customer: Customer): CustomerSnapshot {
  return customerSnapshotSchema.parse({
    id: customer.id,
    email: customer.email,
    name: customer.name,
    phone: customer.phone,
    address: customer.address,
    metadata: customer.metadata,
    version: customer.version,
    createdAt: customer.createdAt.toISOString(),
    updatedAt: customer.updatedAt.toISOString(),
    deletedAt: customer.deletedAt?.toISOString() ?? null,
  });
}
