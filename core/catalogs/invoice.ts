import { z } from 'zod';
import { defineCatalog } from './contract.js';

// The invoice catalog's sync contract: the fields that sync with remote systems, in the catalog's
// own names and normal form (the customer catalog, ./customer.ts, is the other example).

export const INVOICE_CATALOG = 'invoice' as const;

export const invoiceStatuses = ['DRAFT', 'OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE'] as const;
export type InvoiceStatus = (typeof invoiceStatuses)[number];

/** Amounts are integers in the currency's minor unit (cents for usd). */
export const invoiceLineSchema = z.object({
  description: z.string().min(1),
  quantity: z.number().int().positive(),
  unitAmount: z.number().int().min(0),
});
export type InvoiceLine = z.infer<typeof invoiceLineSchema>;

const isoDate = z.iso.date();

export const syncedInvoiceSchema = z.object({
  /** The customer's local id (a reference: adapters see the remote customer's id here). */
  customerId: z.string().min(1),
  /** ISO 4217, lower case. */
  currency: z.string().regex(/^[a-z]{3}$/),
  status: z.enum(invoiceStatuses),
  /** One field: a change to any line replaces the list. */
  lines: z.array(invoiceLineSchema),
  /** YYYY-MM-DD, or none. */
  dueDate: isoDate.nullable(),
  /** Merged per key; values are strings; no value is no key. */
  metadata: z.record(z.string(), z.string()),
});
export type SyncedInvoice = z.infer<typeof syncedInvoiceSchema>;

/** The invoice as change envelopes carry it (`data`). */
export const invoiceSnapshotSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  currency: z.string(),
  status: z.enum(invoiceStatuses),
  lines: z.array(invoiceLineSchema),
  dueDate: isoDate.nullable(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).nullable(),
  total: z.number().int(),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  deletedAt: z.iso.datetime({ offset: true }).nullable(),
});
export type InvoiceSnapshot = z.infer<typeof invoiceSnapshotSchema>;

/** Keys the integration keeps for itself in remote metadata. */
export const RESERVED_INVOICE_METADATA_KEYS = ['local_id'] as const;

/** The total of some lines, in the minor unit. */
export function invoiceTotal(lines: readonly InvoiceLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0);
}

/** Metadata in normal form: string values, no empty values, no reserved keys. */
export function syncedMetadataOf(metadata: unknown, reserved: readonly string[] = RESERVED_INVOICE_METADATA_KEYS): Record<string, string> {
  const result: Record<string, string> = {};
  if (!metadata || typeof metadata !== 'object') return result;
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    if (value === null || value === undefined || value === '' || reserved.includes(key)) continue;
    result[key] = String(value);
  }
  return result;
}

export function syncedInvoiceOf(invoice: Pick<InvoiceSnapshot, 'customerId' | 'currency' | 'status' | 'lines' | 'dueDate' | 'metadata'>): SyncedInvoice {
  return {
    customerId: invoice.customerId,
    currency: invoice.currency.toLowerCase(),
    status: invoice.status,
    lines: invoice.lines.map((line) => ({ description: line.description, quantity: line.quantity, unitAmount: line.unitAmount })),
    dueDate: invoice.dueDate,
    metadata: syncedMetadataOf(invoice.metadata),
  };
}

export const invoiceCatalog = defineCatalog<typeof INVOICE_CATALOG, SyncedInvoice, InvoiceSnapshot>({
  name: INVOICE_CATALOG,
  schema: syncedInvoiceSchema,
  carriedSchema: syncedInvoiceSchema.partial(),
  snapshotSchema: invoiceSnapshotSchema,
  merge: { customerId: 'whole', currency: 'whole', status: 'whole', lines: 'whole', dueDate: 'whole', metadata: 'per-key' },
  references: { customerId: 'customer' },
  syncedOf: syncedInvoiceOf,
  // Keyed by the customer: an invoice's changes never overtake its customer's create.
  partitionKeyOf: (invoice) => invoice.customerId,
});
