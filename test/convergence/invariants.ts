import { canonicalValue, differingFields } from './fields.js';
import type { AcknowledgedWrite, OperationsLog } from './run-operations.js';
import type { LiveCustomer, Snapshot } from './observe.js';

// Issue #8's invariants over a quiescent snapshot. Pure: the same snapshot and log give the same
// verdict (test/unit/convergence-invariants.test.ts shows each one failing).
//   I1 every linked live pair is equal on every synced field (and every live local customer is linked);
//   I2 at most one live Stripe customer per local customer, at most one local customer per Stripe customer;
//   I3 no pair is half-deleted, and nothing deleted comes back;
//   I4 every acknowledged write is in the final state, or was overwritten by a later write to that
//      field, or is recorded as a conflict's loser.
// I5 (a canary each way) needs the running system: see canary.ts. I6 (invoices): invoice-invariants.ts.

export type InvariantName = 'I1' | 'I2' | 'I3' | 'I4' | 'I5' | 'I6';

export interface Violation {
  invariant: InvariantName;
  message: string;
}

export interface UnlinkedRemotes {
  /** Its email belongs to a live local customer linked to another Stripe customer. */
  duplicates: number;
  withoutEmail: number;
  /** Neither: reported, not a violation (e.g. a duplicate whose original was deleted since). */
  other: number;
}

export interface Verdict {
  violations: Violation[];
  unlinked: UnlinkedRemotes;
  linkedPairs: number;
}

export function checkInvariants(snapshot: Snapshot, log: OperationsLog): Verdict {
  const violations: Violation[] = [];
  const fail = (invariant: InvariantName, message: string) => violations.push({ invariant, message });
  const localById = new Map(snapshot.locals.map((local) => [local.id, local]));
  const remoteById = new Map(snapshot.remotes.map((remote) => [remote.id, remote]));
  const linked = snapshot.mappings.filter((mapping) => mapping.remoteId !== null) as Array<{ localId: string; remoteId: string; status: string }>;
  const mappingByLocal = new Map(linked.map((mapping) => [mapping.localId, mapping]));
  const mappingByRemote = new Map(linked.map((mapping) => [mapping.remoteId, mapping]));
  const pairs: Array<{ local: LiveCustomer; remote: LiveCustomer }> = [];

  // I1 and I3 over the mappings.
  for (const mapping of linked) {
    const local = localById.get(mapping.localId);
    const remote = remoteById.get(mapping.remoteId);
    if (local && remote) {
      pairs.push({ local, remote });
      const differing = differingFields(local.fields, remote.fields);
      if (differing.length > 0) {
        fail('I1', `pair ${local.id} / ${remote.id} differs on ${differing.map((field) => `${field}: local ${JSON.stringify(local.fields[field] ?? null)} vs Stripe ${JSON.stringify(remote.fields[field] ?? null)}`).join('; ')}`);
      }
    } else if (local && !remote) {
      fail('I3', `half-deleted: local ${local.id} is live, its Stripe customer ${mapping.remoteId} is deleted`);
    } else if (!local && remote) {
      fail('I3', `half-deleted: Stripe customer ${remote.id} is live, its local customer ${mapping.localId} is deleted`);
    }
  }
  for (const local of snapshot.locals) {
    if (!mappingByLocal.has(local.id)) fail('I1', `local ${local.id} (${local.fields.email}) is live but linked to no Stripe customer`);
  }

  // I2: claims by mapping and by metadata.local_id.
  for (const local of snapshot.locals) {
    const claimants = new Set(snapshot.remotes.filter((remote) => remote.localIdTag === local.id).map((remote) => remote.id));
    const mapped = mappingByLocal.get(local.id)?.remoteId;
    if (mapped && remoteById.has(mapped)) claimants.add(mapped);
    if (claimants.size > 1) fail('I2', `local ${local.id} has ${claimants.size} live Stripe customers: ${[...claimants].join(', ')}`);
  }
  for (const remote of snapshot.remotes) {
    const mappedTo = mappingByRemote.get(remote.id)?.localId;
    if (remote.localIdTag && localById.has(remote.localIdTag) && mappedTo && mappedTo !== remote.localIdTag) {
      fail('I2', `Stripe customer ${remote.id} is mapped to local ${mappedTo} but tagged local_id ${remote.localIdTag}`);
    }
  }
  const unlinked: UnlinkedRemotes = { duplicates: 0, withoutEmail: 0, other: 0 };
  const linkedEmails = new Set(pairs.map((pair) => pair.local.fields.email));
  for (const remote of snapshot.remotes) {
    if (mappingByRemote.has(remote.id)) continue;
    if (!remote.fields.email) unlinked.withoutEmail += 1;
    else if (linkedEmails.has(remote.fields.email)) unlinked.duplicates += 1;
    else unlinked.other += 1;
  }

  // I3: what an acknowledged delete removed stays removed, on both sides.
  const localsOf = (index: number) => entityIds(log, snapshot, index).localIds;
  const remotesOf = (index: number) => entityIds(log, snapshot, index).remoteIds;
  for (const entity of log.entities) {
    if (!entity?.deleted) continue;
    for (const id of localsOf(entity.index)) if (localById.has(id)) fail('I3', `e${entity.index} was deleted (${entity.deleted}) but local ${id} is live`);
    for (const id of remotesOf(entity.index)) if (remoteById.has(id)) fail('I3', `e${entity.index} was deleted (${entity.deleted}) but Stripe customer ${id} is live`);
  }

  // I4 per linked live pair and field.
  for (const { local, remote } of pairs) {
    const writes = log.writes.filter((write) => {
      const ids = entityIds(log, snapshot, write.entity);
      return ids.localIds.has(local.id) || ids.remoteIds.has(remote.id);
    });
    const byField = new Map<string, AcknowledgedWrite[]>();
    for (const write of writes) byField.set(write.field, [...(byField.get(write.field) ?? []), write]);
    for (const [field, fieldWrites] of byField) {
      const ordered = [...fieldWrites].sort((a, b) => a.acknowledgedAt - b.acknowledgedAt || a.step - b.step);
      const deliberate = ordered.filter((write) => !write.incidental);
      const last = deliberate.at(-1);
      if (!last) continue;
      const final = local.fields[field] ?? null;
      if (final === last.value) continue;
      // A whole-metadata write from a client that read a stale object carries the other keys too.
      if (ordered.some((write) => write.incidental && write.acknowledgedAt >= last.acknowledgedAt && write.value === final)) continue;
      const lost = snapshot.conflicts.some(
        (conflict) =>
          (conflict.entityId === local.id || conflict.remoteId === remote.id) &&
          conflict.field === field &&
          conflict.winner !== last.side &&
          canonicalValue(field, last.side === 'local' ? conflict.localValue : conflict.remoteValue) === last.value,
      );
      if (lost) continue;
      fail('I4', `pair ${local.id} / ${remote.id}: ${last.side} wrote ${field}=${JSON.stringify(last.value)} (step #${last.step}, the last write to it), final ${JSON.stringify(final)}, and no conflict records it as the loser`);
    }
  }

  return { violations, unlinked, linkedPairs: pairs.length };
}

/** The local and Stripe ids an entity of the log ended up with (its own, and its mapping's). */
function entityIds(log: OperationsLog, snapshot: Snapshot, index: number): { localIds: Set<string>; remoteIds: Set<string> } {
  const entity = log.entities[index];
  const localIds = new Set<string>();
  const remoteIds = new Set<string>();
  if (entity?.localId) localIds.add(entity.localId);
  if (entity?.remoteId) remoteIds.add(entity.remoteId);
  for (const mapping of snapshot.mappings) {
    if (entity?.localId && mapping.localId === entity.localId && mapping.remoteId) remoteIds.add(mapping.remoteId);
    if (entity?.remoteId && mapping.remoteId === entity.remoteId) localIds.add(mapping.localId);
  }
  return { localIds, remoteIds };
}
