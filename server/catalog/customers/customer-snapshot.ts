import type { Customer } from '../../../core/db/generated/client.js';

export type CustomerSnapshot = Record<string, unknown>;

/** The customer as carried in event envelopes: plain JSON, every field, dates as ISO strings. */
export function customerSnapshot(customer: Customer): CustomerSnapshot {
  return {
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
  };
}
