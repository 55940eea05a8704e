import { CUSTOMER_CATALOG, customerCatalog, syncedCustomerOf, type FlatFields, type SyncedAddress, type SyncedCustomer } from '../../../core/catalogs/customer.js';
import type { Customer } from '../../../core/db/generated/client.js';
import type { Tx } from '../../../core/sync/link-store.js';
import type { InboundPort } from '../inbound-port.js';
import { createCustomerInputSchema, updateCustomerInputSchema, validate } from './customer-input.js';
import type { CustomerStore } from './customer-store.js';

/** How the inbound merge reads, locks and writes customers: through the store's write path. */
export function customerInboundPort(store: CustomerStore): InboundPort<typeof CUSTOMER_CATALOG, Customer> {
  return {
    catalog: CUSTOMER_CATALOG,
    // A remote customer with a live customer's email is an EmailTakenError (dead-lettered), not a crash.
    inTransaction: (work, change) => store.inTransaction(work, change.data?.email),
    lock: lockCustomer,
    view: (customer) => ({ id: customer.id, version: customer.version, deleted: customer.deletedAt !== null, changedAt: customer.updatedAt, synced: syncedCustomerOf(customer) }),
    naturalMatch: {
      field: 'email',
      find: (tx, remote) => (remote.email ? tx.customer.findFirst({ where: { email: remote.email.toLowerCase(), deletedAt: null } }) : Promise.resolve(null)),
    },
    create: (tx, remote, source) => store.createIn(tx, validate(createCustomerInputSchema, toCustomerInput(remote, {})), source),
    update: (tx, customer, patch, source) => store.updateIn(tx, customer.id, validate(updateCustomerInputSchema, toCustomerInput(patchedFields(patch), customer)), source),
    delete: (tx, customer, source) => store.deleteIn(tx, customer.id, source),
    resync: (tx, id, integration) => store.resyncIn(tx, id, integration),
  };
}

type CustomerPatch = Partial<Omit<SyncedCustomer, 'metadata'>> & { metadata?: Record<string, string | null> };

/**
 * A flat patch as customer fields, by the contract's merge rules: a whole field is its value, a
 * per-key field (metadata) a partial map where null removes the key. No field is named here, so a
 * new synced field needs no change.
 */
function patchedFields(patch: FlatFields): CustomerPatch {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    const field = customerCatalog.fieldOf(key);
    if (customerCatalog.merge[field] === 'per-key') ((fields[field] ??= {}) as Record<string, unknown>)[key.slice(field.length + 1)] = value;
    else fields[field] = value;
  }
  return fields as CustomerPatch;
}

/** The catalog input that sets the given fields (metadata keys merged into the current metadata). */
function toCustomerInput(fields: CustomerPatch, customer: Pick<Customer, 'metadata'> | Record<string, never>): Record<string, unknown> {
  const { metadata: metadataPatch, address, ...rest } = fields;
  const input: Record<string, unknown> = { ...rest };
  if (address !== undefined) input.address = address ? addressInput(address) : null;
  if (metadataPatch !== undefined) {
    const metadata: Record<string, unknown> = { ...((('metadata' in customer && customer.metadata) as Record<string, unknown> | null) ?? {}) };
    for (const [name, value] of Object.entries(metadataPatch)) {
      if (value === null) delete metadata[name];
      else metadata[name] = value;
    }
    input.metadata = Object.keys(metadata).length > 0 ? metadata : null;
  }
  return input;
}

function addressInput(address: SyncedAddress): Record<string, string> {
  return Object.fromEntries(Object.entries(address).filter(([, value]) => value !== null)) as Record<string, string>;
}

async function lockCustomer(tx: Tx, id: string): Promise<Customer | null> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM customer WHERE id = ${id}::uuid FOR UPDATE`;
  return rows[0] ? tx.customer.findUnique({ where: { id } }) : null;
}
