import { describe, expect, it } from 'vitest';
import { checkDeadLetters } from '../convergence/dead-letters.js';
import { fieldsOf } from '../convergence/fields.js';
import { checkInvoiceInvariants } from '../convergence/invoice-invariants.js';
import type { Snapshot } from '../convergence/observe.js';
import type { OperationsLog } from '../convergence/run-operations.js';
import { generateScenario } from '../convergence/scenario.js';

// I6 must be able to fail: hand-made snapshots of one customer pair with one invoice each side.

const L1 = '00000000-0000-4000-8000-000000000001';
const INV = '00000000-0000-4000-8000-0000000000a1';
const PLAN = 'free-plan-x';
const lines = [{ description: 'i0 l0 local s1.t.example.com', quantity: 2, unitAmount: 300 }];

function converged(): { snapshot: Snapshot; log: OperationsLog } {
  const fields = fieldsOf({ email: 'a@s1.t.example.com' });
  return {
    snapshot: {
      locals: [{ id: L1, fields }],
      remotes: [{ id: 'cus_1', fields, localIdTag: L1 }],
      mappings: [{ localId: L1, remoteId: 'cus_1', status: 'SYNCED' }],
      conflicts: [],
      knownLocalIds: [L1],
      knownRemoteIds: ['cus_1'],
      invoices: {
        // The plan line is localstripe's (the subscription fixture); the lines come in either order.
        locals: [{ id: INV, customerId: L1, currency: 'usd', status: 'DRAFT', lines: [`${PLAN}|1|0`, 'i0 l0 local s1.t.example.com|2|300'] }],
        remotes: [{ id: 'in_1', customerId: 'cus_1', currency: 'usd', status: 'draft', lines: ['i0 l0 local s1.t.example.com|2|300', `${PLAN}|1|0`] }],
        mappings: [{ localId: INV, remoteId: 'in_1', status: 'SYNCED' }],
      },
    },
    log: {
      entities: [{ index: 0, createdOn: 'local', localId: L1, planName: PLAN }],
      writes: [],
      outcomes: [],
      invoices: [{ step: 1, invoice: 0, entity: 0, side: 'local', currency: 'usd', lines, localId: INV }],
    },
  };
}

const invariantMessages = (state: { snapshot: Snapshot; log: OperationsLog }) => checkInvoiceInvariants(state.snapshot, state.log).violations.map((violation) => `${violation.invariant} ${violation.message}`);

describe('convergence invariant I6 (invoices)', () => {
  it('passes on a converged pair (the plan line and line order are no difference)', () => {
    expect(invariantMessages(converged())).toEqual([]);
  });

  it('fails when an acknowledged invoice is missing on one side', () => {
    const state = converged();
    state.snapshot.invoices!.remotes = [];
    expect(invariantMessages(state)).toEqual([expect.stringMatching(/^I6 i0 .* exists locally .* but not in Stripe/)]);
  });

  it('fails when an invoice exists twice on one side (a duplicated webhook applied twice)', () => {
    const state = converged();
    state.snapshot.invoices!.locals.push({ ...state.snapshot.invoices!.locals[0]!, id: '00000000-0000-4000-8000-0000000000a2' });
    expect(invariantMessages(state)).toEqual([expect.stringMatching(/held by 2 local invoices/)]);
  });

  it('fails on an unlinked pair, a FAILED mapping, a wrong metadata.local_id, another customer, currency or line set', () => {
    const cases: Array<[(state: Snapshot) => void, RegExp]> = [
      [(state) => (state.invoices!.mappings = []), /are not linked \(mapping none/],
      [(state) => (state.invoices!.mappings[0]!.status = 'FAILED'), /not linked .* FAILED/],
      [(state) => (state.invoices!.remotes[0]!.localIdTag = 'someone-else'), /metadata.local_id someone-else/],
      [(state) => (state.invoices!.remotes[0]!.customerId = 'cus_2'), /the Stripe invoice's customer is cus_2/],
      [(state) => (state.invoices!.remotes[0]!.currency = 'eur'), /currency usd acknowledged, local usd, Stripe eur/],
      [(state) => state.invoices!.remotes[0]!.lines.push('i9 l0 stripe s1.t.example.com|1|100'), /Stripe in_1 has lines/],
    ];
    for (const [breakIt, expected] of cases) {
      const state = converged();
      breakIt(state.snapshot);
      expect(invariantMessages(state).join('\n')).toMatch(expected);
    }
  });

  it('fails on an invoice no one made, and on a FAILED invoice mapping', () => {
    const state = converged();
    state.snapshot.invoices!.remotes.push({ id: 'in_9', customerId: 'cus_1', currency: 'usd', status: 'draft', lines: [`${PLAN}|1|0`] });
    state.snapshot.invoices!.mappings.push({ localId: '00000000-0000-4000-8000-0000000000a9', remoteId: null, status: 'FAILED' });
    const messages = invariantMessages(state).join('\n');
    expect(messages).toMatch(/Stripe invoice in_9 .* is no acknowledged invoice/);
    expect(messages).toMatch(/invoice mapping 0+-0000-4000-8000-0000000000a9 \/ no remote is FAILED/);
  });

  it('exempts an invoice whose customer was deleted from existing on both sides, not from existing twice', () => {
    const state = converged();
    state.log.entities[0]!.deleted = 'stripe';
    state.snapshot.invoices!.remotes = [];
    state.snapshot.invoices!.mappings[0] = { localId: INV, remoteId: null, status: 'FAILED' };
    expect(invariantMessages(state)).toEqual([]);
    state.snapshot.invoices!.locals.push({ ...state.snapshot.invoices!.locals[0]!, id: '00000000-0000-4000-8000-0000000000a2' });
    expect(invariantMessages(state)).toEqual([expect.stringMatching(/held by 2 local invoices/)]);
  });

  it('adds invoice steps without changing a seed\'s customer steps', () => {
    const withInvoices = generateScenario(7, 't');
    const customersOnly = generateScenario(7, 't', { invoices: false });
    expect(withInvoices.steps.filter((step) => step.op !== 'invoice' && step.op !== 'subscribe')).toEqual(customersOnly.steps);
    expect(withInvoices.steps.some((step) => step.op === 'invoice')).toBe(true);
  });
});

describe('convergence dead letters', () => {
  const letter = (value: object) => ({ key: 'cus_9', value: JSON.stringify(value), integration: 'stripe', error: 'rejected' });

  it('fail a scenario unless about a customer made without an email, a deleted customer, or its invoices', () => {
    const { snapshot, log } = converged();
    const aboutInvoice = letter({ catalog: 'invoice', remoteId: 'in_7', data: { customerId: 'cus_1' } });
    const aboutCustomer = letter({ catalog: 'customer', remoteId: 'cus_9' });
    expect(checkDeadLetters([aboutInvoice, aboutCustomer], snapshot, log).violations.map((violation) => violation.invariant)).toEqual(['I6', 'I1']);

    log.entities[0]!.deleted = 'local'; // cus_1 is the deleted customer's link
    log.entities.push({ index: 1, createdOn: 'stripe', remoteId: 'cus_9', withoutEmail: true });
    expect(checkDeadLetters([aboutInvoice, aboutCustomer], snapshot, log)).toEqual({ violations: [], expected: 2 });
  });
});
