import type Stripe from 'stripe';
import { localIdFromMetadata, metadataLimitViolations } from './metadata.js';
import type { FlatFields } from '../../../core/catalogs/contract.js';
import { syncedMetadataOf, type InvoiceLine, type InvoiceStatus, type SyncedInvoice } from '../../../core/catalogs/invoice.js';
import type { ReceivedChange } from '../../registry/adapter.js';
import { WebhookRejectedError } from '../../registry/errors.js';

// Where each synced invoice field goes in Stripe, both directions, and Stripe's limits on them.
//
//   catalog              Stripe
//   customerId           invoice.customer               (a reference: the core passes the Stripe customer id)
//   currency             invoiceitem.currency           (the invoice takes its items' currency)
//   status               invoice.status                 (lower case; moved by finalize, pay, void, mark_uncollectible)
//   lines[i]             one invoice item per line:     description; amount = quantity x unitAmount;
//                                                       metadata[quantity], metadata[unit_amount] (exact round trip,
//                                                       also on localstripe, whose items have no quantity)
//   dueDate              invoice.due_date (unix, UTC midnight; needs collection_method send_invoice;
//                                                       not carried on localstripe, which has neither)
//   metadata.<key>       invoice.metadata[<key>]        (strings; '' unsets a key)
//   (the local id)       invoice.metadata[local_id]
//
// A line change replaces the draft's items (Stripe allows item edits on drafts only).

export const STRIPE_INVOICE_LIMITS = {
  metadataKeys: 50,
  metadataKeyLength: 40,
  metadataValueLength: 500,
  /** Stripe allows 250 invoice items per invoice. */
  lines: 250,
  descriptionLength: 500,
} as const;

/** What the catalog's invoice fields map to, given whether the remote side can hold a due date. */
export interface InvoiceMappingOptions {
  /** Stripe holds due dates (send_invoice); localstripe does not. */
  dueDates: boolean;
}

const STATUS_FROM_STRIPE: Record<string, InvoiceStatus> = { draft: 'DRAFT', open: 'OPEN', paid: 'PAID', void: 'VOID', uncollectible: 'UNCOLLECTIBLE' };

/** The invoice items of a draft: one per line, amount and exact quantity/unit amount. */
export function toStripeInvoiceItems(fields: Pick<SyncedInvoice, 'customerId' | 'currency' | 'lines'>, invoiceId?: string): Stripe.InvoiceItemCreateParams[] {
  return fields.lines.map((line) => ({
    customer: fields.customerId,
    currency: fields.currency,
    description: line.description,
    amount: line.quantity * line.unitAmount,
    metadata: { quantity: String(line.quantity), unit_amount: String(line.unitAmount) },
    ...(invoiceId ? { invoice: invoiceId } : {}),
  }));
}

/** The draft invoice itself; it takes the customer's pending items (created just before, in the same partition). */
export function toStripeInvoiceCreateParams(fields: SyncedInvoice, localId: string, options: InvoiceMappingOptions): Stripe.InvoiceCreateParams {
  return {
    customer: fields.customerId,
    metadata: { ...fields.metadata, local_id: localId },
    pending_invoice_items_behavior: 'include',
    ...(options.dueDates && fields.dueDate ? { collection_method: 'send_invoice', due_date: unixOf(fields.dueDate) } : {}),
  };
}

/** Invoice update parameters for the patch's metadata and due date (lines and status have their own calls). */
export function toStripeInvoiceUpdateParams(patch: FlatFields, localId: string, options: InvoiceMappingOptions): Stripe.InvoiceUpdateParams {
  const params: Stripe.InvoiceUpdateParams = {};
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('metadata.')) metadata[key.slice('metadata.'.length)] = (value as string | null) ?? '';
    else if (key === 'dueDate' && options.dueDates) {
      // A cleared due date is not sent: Stripe keeps one on every send_invoice invoice.
      if (value) Object.assign(params, { collection_method: 'send_invoice', due_date: unixOf(value as string) });
    }
  }
  if (Object.keys(metadata).length > 0) params.metadata = { ...metadata, local_id: localId };
  return params;
}

/** The Stripe calls that move an invoice from one status to another, in order. */
export type StatusStep = 'finalize' | 'pay_out_of_band' | 'void' | 'mark_uncollectible';

export function statusSteps(from: InvoiceStatus, to: InvoiceStatus): StatusStep[] {
  if (from === to) return [];
  const fromDraft = from === 'DRAFT' ? (['finalize'] as StatusStep[]) : [];
  if (to === 'OPEN') return fromDraft;
  if (to === 'PAID') return [...fromDraft, 'pay_out_of_band'];
  if (to === 'VOID') return [...fromDraft, 'void']; // Stripe voids open invoices only
  if (to === 'UNCOLLECTIBLE') return [...fromDraft, 'mark_uncollectible'];
  return []; // back to DRAFT: Stripe cannot; the inbound merge brings the remote status back
}

/** A Stripe invoice as the catalog's synced fields (customer: the Stripe customer id, translated by the core). */
export function fromStripeInvoice(invoice: Stripe.Invoice, options: InvoiceMappingOptions): Partial<SyncedInvoice> {
  const customer = typeof invoice.customer === 'string' ? invoice.customer : invoice.customer?.id;
  const lines: InvoiceLine[] = (invoice.lines?.data ?? []).map((line) => {
    const quantity = Number(line.metadata?.quantity) || line.quantity || 1;
    const unitAmount = line.metadata?.unit_amount !== undefined ? Number(line.metadata.unit_amount) : Math.round(line.amount / quantity);
    return { description: line.description ?? '', quantity, unitAmount };
  });
  return {
    ...(customer ? { customerId: customer } : {}),
    currency: (invoice.currency ?? '').toLowerCase(),
    status: STATUS_FROM_STRIPE[invoice.status ?? 'draft'] ?? 'DRAFT',
    lines,
    ...(options.dueDates ? { dueDate: invoice.due_date ? new Date(invoice.due_date * 1000).toISOString().slice(0, 10) : null } : {}),
    metadata: syncedMetadataOf(invoice.metadata),
  };
}

export function invoiceLocalIdOf(invoice: Stripe.Invoice): string | undefined {
  return localIdFromMetadata(invoice.metadata);
}

/** What Stripe would reject in an invoice with these fields, or nothing. */
export function stripeInvoiceLimitViolations(fields: SyncedInvoice): string[] {
  const limits = STRIPE_INVOICE_LIMITS;
  const problems = metadataLimitViolations(fields.metadata, limits);
  if (fields.lines.length > limits.lines) problems.push(`${fields.lines.length} lines; Stripe allows ${limits.lines}`);
  for (const line of fields.lines) if (line.description.length > limits.descriptionLength) problems.push(`a line description is over ${limits.descriptionLength} characters`);
  return problems;
}

/** The Stripe events about invoices, and what each says happened (the core re-reads the invoice). */
export const INVOICE_EVENTS: Record<string, ReceivedChange['kind']> = {
  'invoice.created': 'created',
  'invoice.updated': 'updated',
  'invoice.finalized': 'updated',
  'invoice.paid': 'updated',
  'invoice.voided': 'updated',
  'invoice.marked_uncollectible': 'updated',
  'invoice.deleted': 'deleted',
};

/** An invoice event as a change of the invoice catalog. */
export function receivedInvoiceChange(options: InvoiceMappingOptions) {
  return (event: Stripe.Event, occurredAt: Date): ReceivedChange => {
    const kind = INVOICE_EVENTS[event.type]!;
    const invoice = event.data.object as Stripe.Invoice;
    if (!invoice?.id) throw new WebhookRejectedError(`${event.type} ${event.id} carries no invoice`);
    const localId = invoiceLocalIdOf(invoice);
    return { catalog: 'invoice', kind, remoteId: invoice.id, occurredAt, ...(localId ? { localId } : {}), ...(kind === 'deleted' ? {} : { fields: fromStripeInvoice(invoice, options) }) };
  };
}

const unixOf = (date: string) => Math.floor(new Date(`${date}T00:00:00.000Z`).getTime() / 1000);
