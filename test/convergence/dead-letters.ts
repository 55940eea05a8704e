import type { DeadLetter } from '../support/sync-rig.js';
import type { Violation } from './invariants.js';
import type { Snapshot } from './observe.js';
import type { OperationsLog } from './run-operations.js';

// Dead letters of one scenario, judged after quiescence (pure). A change is expected to be given up
// on only when it is about a Stripe customer made without an email (the catalog cannot take it: see
// docs/architecture.md, inbound), a customer whose delete was acknowledged during the scenario, or an
// invoice of such a customer (e.g. a Stripe invoice made just before its customer was deleted locally:
// the gateway cannot create an invoice for a deleted customer, and the delete wins). Any other dead
// letter is a violation: I6 when it is about an invoice, I1 otherwise (a change never applied).

export function checkDeadLetters(deadLetters: DeadLetter[], snapshot: Snapshot, log: OperationsLog): { violations: Violation[]; expected: number } {
  const expectedIds = new Set<string>();
  for (const entity of log.entities) {
    if (entity?.withoutEmail && entity.remoteId) expectedIds.add(entity.remoteId);
    if (!entity?.deleted) continue;
    for (const id of [entity.localId, entity.remoteId]) if (id) expectedIds.add(id);
    for (const mapping of snapshot.mappings) {
      if (mapping.localId === entity.localId || (entity.remoteId && mapping.remoteId === entity.remoteId)) {
        expectedIds.add(mapping.localId);
        if (mapping.remoteId) expectedIds.add(mapping.remoteId);
      }
    }
  }
  for (const invoice of log.invoices ?? []) {
    if (!log.entities[invoice.entity]?.deleted) continue;
    for (const id of [invoice.localId, invoice.remoteId]) if (id) expectedIds.add(id);
  }
  const violations: Violation[] = [];
  let expected = 0;
  for (const letter of deadLetters) {
    const text = `${letter.key ?? ''} ${letter.value}`;
    if ([...expectedIds].some((id) => text.includes(id))) {
      expected += 1;
      continue;
    }
    const aboutInvoice = /"catalog":\s*"invoice"|"in_[A-Za-z0-9]+"/.test(letter.value);
    violations.push({ invariant: aboutInvoice ? 'I6' : 'I1', message: `dead-lettered by ${letter.integration} (key ${letter.key}): ${letter.error.slice(0, 300)}; message ${letter.value.slice(0, 300)}` });
  }
  return { violations, expected };
}
