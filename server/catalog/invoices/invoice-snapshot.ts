import { invoiceSnapshotSchema, type InvoiceSnapshot } from '../../../core/catalogs/invoice.js';
import type { Invoice } from '../../../core/db/generated/client.js';

/** The invoice as carried in event envelopes (parsed by the catalog's contract). */
export function invoiceSnapshot(invoice: Invoice): InvoiceSnapshot {
  return invoiceSnapshotSchema.parse({
    id: invoice.id,
    customerId: invoice.customerId,
    currency: invoice.currency,
    status: invoice.status,
    lines: invoice.lines,
    dueDate: invoice.dueDate ? invoice.dueDate.toISOString().slice(0, 10) : null,
    metadata: invoice.metadata,
    total: invoice.total,
    version: invoice.version,
    createdAt: invoice.createdAt.toISOString(),
    updatedAt: invoice.updatedAt.toISOString(),
    deletedAt: invoice.deletedAt?.toISOString() ?? null,
  });
}

/** A calendar date (YYYY-MM-DD) as the Date Postgres' DATE column takes. */
export function dateOnly(value: string): Date {
  return new Date(`${value}T00:00:00.000Z`);
}
