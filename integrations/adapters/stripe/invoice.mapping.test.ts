import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { SyncedInvoice } from '../../../core/catalogs/invoice.js';
import { fromStripeInvoice, statusSteps, stripeInvoiceLimitViolations, toStripeInvoiceCreateParams, toStripeInvoiceItems, toStripeInvoiceUpdateParams } from './invoice.mapping.js';

const localId = '6f1c7f5e-8a53-4b3c-9a51-0f5b3c1e2d11';
const fields: SyncedInvoice = {
  customerId: 'cus_1',
  currency: 'usd',
  status: 'DRAFT',
  lines: [
    { description: 'Seats', quantity: 3, unitAmount: 1_199 },
    { description: 'Setup', quantity: 1, unitAmount: 0 },
  ],
  dueDate: '2027-01-31',
  metadata: { po: '42' },
};

/** What Stripe holds after the create: the items as lines (amount, metadata), the invoice's own fields. */
function asStripeWouldHold(): Stripe.Invoice {
  const items = toStripeInvoiceItems(fields);
  const params = toStripeInvoiceCreateParams(fields, localId, { dueDates: true });
  return {
    id: 'in_1',
    customer: params.customer,
    currency: fields.currency,
    status: 'draft',
    due_date: params.due_date ?? null,
    metadata: params.metadata,
    lines: { data: items.map((item) => ({ description: item.description, amount: item.amount, quantity: 1, metadata: item.metadata })) },
  } as unknown as Stripe.Invoice; // a fixture: only the fields the mapping reads
}

describe('Stripe invoice mapping', () => {
  it('round-trips: what Stripe holds after a create reads back as the fields sent', () => {
    expect(fromStripeInvoice(asStripeWouldHold(), { dueDates: true })).toEqual(fields);
  });

  it('leaves the due date out where the remote side cannot hold one (localstripe)', () => {
    expect(toStripeInvoiceCreateParams(fields, localId, { dueDates: false })).not.toHaveProperty('due_date');
    expect(fromStripeInvoice(asStripeWouldHold(), { dueDates: false })).not.toHaveProperty('dueDate');
  });

  it('sends metadata and due date changes as an update; other fields have calls of their own', () => {
    expect(toStripeInvoiceUpdateParams({ 'metadata.po': null, 'metadata.tier': 'gold', dueDate: '2027-02-01', status: 'OPEN' }, localId, { dueDates: true })).toEqual({
      metadata: { po: '', tier: 'gold', local_id: localId },
      collection_method: 'send_invoice',
      due_date: Date.UTC(2027, 1, 1) / 1000,
    });
  });

  it('moves status by finalize, pay out of band, void and mark uncollectible', () => {
    expect(statusSteps('DRAFT', 'OPEN')).toEqual(['finalize']);
    expect(statusSteps('DRAFT', 'PAID')).toEqual(['finalize', 'pay_out_of_band']);
    expect(statusSteps('OPEN', 'VOID')).toEqual(['void']);
    expect(statusSteps('DRAFT', 'VOID')).toEqual(['finalize', 'void']);
    expect(statusSteps('OPEN', 'UNCOLLECTIBLE')).toEqual(['mark_uncollectible']);
    expect(statusSteps('PAID', 'PAID')).toEqual([]);
  });

  it("knows Stripe's limits", () => {
    expect(stripeInvoiceLimitViolations(fields)).toEqual([]);
    expect(stripeInvoiceLimitViolations({ ...fields, metadata: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'])) })).toHaveLength(1);
  });
});
