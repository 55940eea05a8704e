import { z } from 'zod';
import { invoiceLineSchema } from '../../../core/catalogs/invoice.js';

// Validation of invoice input, shared by the GraphQL mutations and the inbound consumer.

const MAX_LINES = 250;
const MAX_METADATA_KEYS = 50;

const metadataSchema = z
  .record(z.string().min(1).max(40), z.union([z.string().max(500), z.number(), z.boolean(), z.null()]))
  .refine((value) => Object.keys(value).length <= MAX_METADATA_KEYS, `at most ${MAX_METADATA_KEYS} keys`);

const lineSchema = invoiceLineSchema.extend({
  description: z.string().trim().min(1, 'must not be empty').max(500),
  quantity: z.number().int().min(1, 'must be at least 1').max(1_000_000),
  /** In the currency's minor unit (e.g. cents). */
  unitAmount: z.number().int().min(0, 'must not be negative').max(99_999_999),
});

const dueDateSchema = z.iso.date('must be a date (YYYY-MM-DD)');

export const createInvoiceInputSchema = z.object({
  customerId: z.uuid('must be a customer id (UUID)'),
  currency: z.string().trim().regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code').transform((code) => code.toLowerCase()),
  dueDate: dueDateSchema.nullish(),
  lines: z.array(lineSchema).min(1, 'at least one line').max(MAX_LINES),
  metadata: metadataSchema.nullish(),
});

/** Draft invoices only; every field optional, null clears dueDate or metadata. */
export const updateInvoiceInputSchema = z.object({
  dueDate: dueDateSchema.nullish(),
  lines: z.array(lineSchema).min(1, 'at least one line').max(MAX_LINES).optional(),
  metadata: metadataSchema.nullish(),
});

/** What an integration may set on an invoice (status too: the remote side moves it on). */
export const inboundInvoiceInputSchema = createInvoiceInputSchema.extend({
  status: z.enum(['DRAFT', 'OPEN', 'PAID', 'VOID', 'UNCOLLECTIBLE']),
});
export const inboundInvoicePatchSchema = inboundInvoiceInputSchema.omit({ customerId: true }).partial();

export type CreateInvoiceInput = z.infer<typeof createInvoiceInputSchema>;
export type UpdateInvoiceInput = z.infer<typeof updateInvoiceInputSchema>;
export type InboundInvoicePatch = z.infer<typeof inboundInvoicePatchSchema>;

export const invoiceIdSchema = z.uuid('must be an invoice id (UUID)');
