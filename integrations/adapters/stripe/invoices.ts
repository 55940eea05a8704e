import type Stripe from 'stripe';
import type { SyncedInvoice } from '../../../core/catalogs/invoice.js';
import type { CatalogHandler, RemoteState } from '../../registry/adapter.js';
import { PermanentError } from '../../registry/errors.js';
import { classifyStripeError, isMissing } from './errors.js';
import {
  fromStripeInvoice,
  invoiceLocalIdOf,
  statusSteps,
  stripeInvoiceLimitViolations,
  toStripeInvoiceCreateParams,
  toStripeInvoiceItems,
  toStripeInvoiceUpdateParams,
  type InvoiceMappingOptions,
  type StatusStep,
} from './invoice.mapping.js';

/**
 * The invoice catalog <-> Stripe invoices: a draft with one invoice item per line, then finalize,
 * pay out of band, void or mark uncollectible as its status moves. Every call has an
 * Idempotency-Key derived from the request's. Invoice changes are keyed by their customer, so the
 * items created for one draft are never taken by another draft of the same customer.
 */
export function stripeInvoices(stripe: Stripe, options: InvoiceMappingOptions): CatalogHandler<'invoice'> {
  async function call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw classifyStripeError(error);
    }
  }

  async function step(remoteId: string, name: StatusStep, idempotencyKey: string): Promise<void> {
    const key = { idempotencyKey: `${idempotencyKey}:${name}` };
    if (name === 'finalize') await stripe.invoices.finalizeInvoice(remoteId, { auto_advance: false }, key);
    else if (name === 'pay_out_of_band') await stripe.invoices.pay(remoteId, { paid_out_of_band: true }, key);
    else if (name === 'void') await stripe.invoices.voidInvoice(remoteId, {}, key);
    else await stripe.invoices.markUncollectible(remoteId, {}, key);
  }

  return {
    async create({ localId, fields, idempotencyKey }) {
      refuseOverLimits(stripeInvoiceLimitViolations(fields));
      return call(async () => {
        for (const [index, item] of toStripeInvoiceItems(fields).entries()) await stripe.invoiceItems.create(item, { idempotencyKey: `${idempotencyKey}:item:${index}` });
        const invoice = await stripe.invoices.create(toStripeInvoiceCreateParams(fields, localId, options), { idempotencyKey });
        for (const name of statusSteps('DRAFT', fields.status)) await step(invoice.id, name, idempotencyKey);
        return { remoteId: invoice.id };
      });
    },

    async update({ localId, remoteId, patch, before, after, idempotencyKey }) {
      refuseOverLimits(stripeInvoiceLimitViolations(after));
      try {
        if ('lines' in patch || 'currency' in patch) await replaceItems(stripe, remoteId, after, idempotencyKey);
        const params = toStripeInvoiceUpdateParams(patch, localId, options);
        if (Object.keys(params).length > 0) await stripe.invoices.update(remoteId, params, { idempotencyKey });
        if ('status' in patch) for (const name of statusSteps(before.status, after.status)) await step(remoteId, name, idempotencyKey);
        return 'updated';
      } catch (error) {
        if (isMissing(error)) return 'missing';
        throw classifyStripeError(error);
      }
    },

    // An invoice's life ends by voiding it (a draft is deleted: Stripe voids open invoices only).
    async delete({ remoteId, idempotencyKey }) {
      try {
        const invoice = await stripe.invoices.retrieve(remoteId);
        if (invoice.status === 'draft') await stripe.invoices.del(remoteId, {}, { idempotencyKey });
        else if (invoice.status === 'open' || invoice.status === 'uncollectible') await stripe.invoices.voidInvoice(remoteId, {}, { idempotencyKey });
      } catch (error) {
        if (!isMissing(error)) throw classifyStripeError(error);
      }
    },

    // The customer's invoices (read-after-write), checked for metadata.local_id.
    async findByLocalId({ localId, fields }) {
      return call(async () => {
        for await (const invoice of stripe.invoices.list({ customer: fields.customerId, limit: 100 })) {
          if (invoiceLocalIdOf(invoice) === localId) return invoice.id;
        }
        return null;
      });
    },

    async fetch(remoteId): Promise<RemoteState<'invoice'>> {
      try {
        const invoice = await stripe.invoices.retrieve(remoteId);
        const localId = invoiceLocalIdOf(invoice);
        return { exists: true, remoteId, ...(localId ? { localId } : {}), fields: fromStripeInvoice(invoice, options) };
      } catch (error) {
        if (isMissing(error)) return { exists: false, remoteId };
        throw classifyStripeError(error);
      }
    },
  };
}

/** A draft's items replaced by the lines (Stripe edits items of drafts only; others answer 400: permanent). */
async function replaceItems(stripe: Stripe, remoteId: string, after: SyncedInvoice, idempotencyKey: string): Promise<void> {
  const invoice = await stripe.invoices.retrieve(remoteId);
  for (const line of invoice.lines?.data ?? []) {
    // Current API versions name the item under parent; localstripe (the older shape) at the top level.
    const item = line.parent?.invoice_item_details?.invoice_item ?? (line as unknown as { invoice_item?: string }).invoice_item;
    if (item) await stripe.invoiceItems.del(item);
  }
  for (const [index, item] of toStripeInvoiceItems(after, remoteId).entries()) await stripe.invoiceItems.create(item, { idempotencyKey: `${idempotencyKey}:item:${index}` });
}

function refuseOverLimits(violations: string[]): void {
  if (violations.length > 0) throw new PermanentError(`Stripe would reject this invoice: ${violations.join('; ')}`);
}
