import type { InvariantName, Violation } from './invariants.js';
import type { InvoiceView } from './observe-invoices.js';
import { lineKey } from './observe-invoices.js';
import type { Snapshot } from './observe.js';
import type { AcknowledgedInvoice, OperationsLog } from './run-operations.js';

// I6, the invoice catalog's invariant over a quiescent snapshot (pure, like invariants.ts):
// every acknowledged invoice exists exactly once on each side, linked both ways (id_mapping SYNCED;
// Stripe's metadata.local_id where localstripe kept it: it drops the create's metadata), with the
// same customer (through the customer's own link), currency, status and line set; no invoice exists
// that no one made, and no invoice mapping is FAILED.
//
// Lines are compared as sets: localstripe orders an invoice's lines newest first by the second they
// were made in. The subscription fixture's plan line (localstripe adds it to every invoice of a
// subscribed customer; real Stripe would not) is left out on both sides. An invoice is found by its
// lines: each line's description names its invoice and scenario, so "exactly once" is "exactly one
// invoice per side holds its lines", which also catches two invoices sharing one's items.
//
// Exempt: an invoice whose customer had a delete acknowledged during the scenario. Its Stripe side
// may be refused (no such customer), so it may exist on one side only or be FAILED; it must still
// exist at most once per side.

export interface InvoiceVerdict {
  violations: Violation[];
  invoices: number;
  exempt: number;
}

const I6: InvariantName = 'I6';

export function checkInvoiceInvariants(snapshot: Snapshot, log: OperationsLog): InvoiceVerdict {
  const violations: Violation[] = [];
  const fail = (message: string) => violations.push({ invariant: I6, message });
  const state = snapshot.invoices;
  const acknowledged = log.invoices ?? [];
  if (!state) return { violations, invoices: 0, exempt: 0 };
  const planNames = new Set(log.entities.flatMap((entity) => (entity?.planName ? [entity.planName] : [])));
  const ownLines = (view: InvoiceView) => view.lines.filter((line) => !planNames.has(line.slice(0, line.indexOf('|'))));
  const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  const customerRemoteOf = new Map(snapshot.mappings.flatMap((mapping) => (mapping.remoteId ? [[mapping.localId, mapping.remoteId] as const] : [])));
  const mappingByLocal = new Map(state.mappings.map((mapping) => [mapping.localId, mapping]));
  const mappingByRemote = new Map(state.mappings.flatMap((mapping) => (mapping.remoteId ? [[mapping.remoteId, mapping] as const] : [])));
  const claimed = new Set<string>();
  let exempt = 0;

  for (const invoice of acknowledged) {
    const name = `i${invoice.invoice} (step #${invoice.step}, ${invoice.side}, e${invoice.entity})`;
    const expected = invoice.lines.map(lineKey);
    const holders = (views: InvoiceView[]) => views.filter((view) => ownLines(view).some((line) => expected.includes(line)));
    const locals = holders(state.locals);
    const remotes = holders(state.remotes);
    for (const view of [...locals, ...remotes]) claimed.add(view.id);
    const isExempt = log.entities[invoice.entity]?.deleted !== undefined;
    if (isExempt) exempt += 1;
    if (locals.length > 1) fail(`${name} is held by ${locals.length} local invoices: ${locals.map((view) => view.id).join(', ')}`);
    if (remotes.length > 1) fail(`${name} is held by ${remotes.length} Stripe invoices: ${remotes.map((view) => view.id).join(', ')}`);
    if (isExempt || locals.length > 1 || remotes.length > 1) continue;
    const local = locals[0];
    const remote = remotes[0];
    if (!local || !remote) {
      fail(`${name} exists ${local ? `locally (${local.id}) but not in Stripe` : remote ? `in Stripe (${remote.id}) but not locally` : 'on neither side'}`);
      continue;
    }
    if (invoice.localId && invoice.localId !== local.id) fail(`${name} was created locally as ${invoice.localId}, its lines are on ${local.id}`);
    if (invoice.remoteId && invoice.remoteId !== remote.id) fail(`${name} was created in Stripe as ${invoice.remoteId}, its lines are on ${remote.id}`);
    const mapping = mappingByLocal.get(local.id);
    if (mapping?.remoteId !== remote.id || mapping.status !== 'SYNCED') {
      fail(`${name}: local ${local.id} / Stripe ${remote.id} are not linked (mapping ${mapping ? `${mapping.remoteId ?? 'no remote'} ${mapping.status}` : 'none'}; Stripe's is ${mappingByRemote.get(remote.id)?.localId ?? 'none'})`);
    }
    if (remote.localIdTag !== undefined && remote.localIdTag !== local.id) fail(`${name}: Stripe ${remote.id} has metadata.local_id ${remote.localIdTag}, not ${local.id}`);
    if (customerRemoteOf.get(local.customerId) !== remote.customerId) {
      fail(`${name}: local customer ${local.customerId} is linked to ${customerRemoteOf.get(local.customerId) ?? 'nothing'}, the Stripe invoice's customer is ${remote.customerId}`);
    }
    if (local.currency !== invoice.currency || remote.currency !== invoice.currency) fail(`${name}: currency ${invoice.currency} acknowledged, local ${local.currency}, Stripe ${remote.currency}`);
    if (local.status.toLowerCase() !== remote.status.toLowerCase()) fail(`${name}: status local ${local.status}, Stripe ${remote.status}`);
    for (const [side, view] of [['local', local], ['Stripe', remote]] as const) {
      if (!sameSet(ownLines(view), expected)) fail(`${name}: ${side} ${view.id} has lines ${JSON.stringify(ownLines(view))}, acknowledged ${JSON.stringify(expected)}`);
    }
  }

  for (const view of state.locals) if (!claimed.has(view.id)) fail(`local invoice ${view.id} (lines ${JSON.stringify(view.lines)}) is no acknowledged invoice`);
  for (const view of state.remotes) if (!claimed.has(view.id)) fail(`Stripe invoice ${view.id} (lines ${JSON.stringify(view.lines)}) is no acknowledged invoice`);

  const exemptIds = new Set(
    acknowledged
      .filter((invoice) => log.entities[invoice.entity]?.deleted !== undefined)
      .flatMap((invoice: AcknowledgedInvoice) => [invoice.localId, invoice.remoteId].filter((id): id is string => id !== undefined)),
  );
  for (const mapping of state.mappings) {
    if (mapping.status === 'FAILED' && !exemptIds.has(mapping.localId) && !(mapping.remoteId && exemptIds.has(mapping.remoteId))) {
      fail(`invoice mapping ${mapping.localId} / ${mapping.remoteId ?? 'no remote'} is FAILED`);
    }
  }
  return { violations, invoices: acknowledged.length, exempt };
}
