import { INVOICE_CATALOG, syncedInvoiceOf, type SyncedInvoice } from '../../../core/catalogs/invoice.js';
import type { Invoice } from '../../../core/db/generated/client.js';
import type { FlatFields } from '../../../core/catalogs/contract.js';
import type { InboundPort } from '../inbound-port.js';
import { validate } from '../customers/customer-input.js';
import { inboundInvoiceInputSchema, inboundInvoicePatchSchema } from './invoice-input.js';
import { invoiceSnapshot } from './invoice-snapshot.js';
import type { InvoiceStore } from './invoice-store.js';

/** How the inbound merge reads, locks and writes invoices: through the store's write path. */
export function invoiceInboundPort(store: InvoiceStore): InboundPort<typeof INVOICE_CATALOG, Invoice> {
  return {
    catalog: INVOICE_CATALOG,
    inTransaction: (work) => store.prisma.$transaction(work),
    lock: (tx, id) => store.lock(tx, id),
    view: (invoice) => ({ id: invoice.id, version: invoice.version, deleted: invoice.deletedAt !== null, changedAt: invoice.updatedAt, synced: syncedInvoiceOf(invoiceSnapshot(invoice)) }),
    create: (tx, remote, source) => store.createIn(tx, validate(inboundInvoiceInputSchema, remote), source),
    update: (tx, invoice, patch, source) => store.patchIn(tx, invoice, validate(inboundInvoicePatchSchema, toInvoicePatch(patch, invoice)), source),
    delete: (tx, invoice, source) => store.deleteIn(tx, invoice.id, source),
    resync: (tx, id, integration) => store.resyncIn(tx, id, integration),
  };
}

/** A flat patch as invoice input (metadata keys merged into the current metadata). */
function toInvoicePatch(patch: FlatFields, invoice: Invoice): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  let metadata: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('metadata.')) {
      metadata ??= { ...((invoice.metadata as Record<string, unknown> | null) ?? {}) };
      const name = key.slice('metadata.'.length);
      if (value === null) delete metadata[name];
      else metadata[name] = value;
    } else if (key !== 'customerId') input[key as keyof SyncedInvoice] = value; // an invoice never changes customer
  }
  if (metadata !== undefined) input.metadata = Object.keys(metadata).length > 0 ? metadata : null;
  return input;
}
