import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SyncedInvoice } from '../../../core/catalogs/invoice.js';
import { stripeMock } from '../../../test/support/stripe-emulators.js';
import { PermanentError } from '../../registry/errors.js';
import { stripeInvoices } from './invoices.js';

// Request shapes of every invoice transition, checked by stripe-mock against Stripe's OpenAPI spec
// (an unknown or ill-typed parameter is a 400 there). stripe-mock is stateless: it answers with
// fixtures, so these check what we send, not what Stripe would then hold. localstripe takes only the
// create (for a customer with a subscription: test/int/invoice-sync.int.test.ts); it replaces no
// lines, has no finalize and no paid_out_of_band (test/int/stripe-emulators.int.test.ts, README).

const invoices = stripeInvoices(stripeMock(), { dueDates: true });

const draft: SyncedInvoice = {
  customerId: 'cus_shape',
  currency: 'usd',
  status: 'DRAFT',
  lines: [
    { description: 'Seats', quantity: 3, unitAmount: 1_200 },
    { description: 'Setup', quantity: 1, unitAmount: 5_000 },
  ],
  dueDate: '2027-01-31',
  metadata: { po: '42' },
};

describe('Stripe invoices: request shapes (stripe-mock)', () => {
  it('creates a draft: one invoice item per line, then the invoice (with due date and local_id)', async () => {
    const localId = randomUUID();
    const { remoteId } = await invoices.create({ catalog: 'invoice', localId, fields: draft, idempotencyKey: `shape-invoice-${localId}` });
    expect(remoteId).toMatch(/^in_/);
  });

  it('updates a draft (lines replaced, metadata and due date) and moves it through every status', async () => {
    const localId = randomUUID();
    const base = { catalog: 'invoice' as const, localId, remoteId: 'in_shape' };
    const edited = { ...draft, lines: [{ description: 'Audit', quantity: 2, unitAmount: 900 }], metadata: { po: '43' }, dueDate: '2027-02-28' };
    const patch = { lines: edited.lines, 'metadata.po': '43', dueDate: '2027-02-28' };
    expect(await invoices.update({ ...base, patch, before: draft, after: edited, idempotencyKey: `shape-edit-${localId}` })).toBe('updated');
    for (const [from, to] of [['DRAFT', 'OPEN'], ['OPEN', 'PAID'], ['OPEN', 'VOID'], ['OPEN', 'UNCOLLECTIBLE'], ['DRAFT', 'VOID']] as const) {
      const outcome = await invoices.update({ ...base, patch: { status: to }, before: { ...draft, status: from }, after: { ...draft, status: to }, idempotencyKey: `shape-${from}-${to}-${localId}` });
      expect(outcome, `${from} -> ${to}`).toBe('updated');
    }
  });

  it('reads an invoice back in the catalog terms, finds one by local id, and ends one', async () => {
    const state = await invoices.fetch!('in_shape');
    expect(state).toMatchObject({ exists: true, remoteId: 'in_shape', fields: { status: expect.any(String), currency: expect.any(String), lines: expect.any(Array) } });
    expect(await invoices.findByLocalId({ localId: randomUUID(), fields: draft })).toBeNull();
    await invoices.delete({ localId: randomUUID(), remoteId: 'in_shape', idempotencyKey: `shape-end-${randomUUID()}` });
  });

  it('refuses an invoice over Stripe limits before sending anything', async () => {
    const tooMany = { ...draft, lines: Array.from({ length: 251 }, (_, index) => ({ description: `l${index}`, quantity: 1, unitAmount: 1 })) };
    await expect(invoices.create({ catalog: 'invoice', localId: randomUUID(), fields: tooMany, idempotencyKey: 'never-sent' })).rejects.toThrow(PermanentError);
  });
});
