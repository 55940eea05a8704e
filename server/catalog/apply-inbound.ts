import { catalogOf, type CatalogName, type FlatFields } from '../../core/catalogs/index.js';
import type { InboundChangeOf } from '../../core/events/inbound-change.js';
import { recordConflicts, type ConflictRecord } from '../../core/sync/conflicts.js';
import { mergeDriftRepair } from '../../core/sync/drift-repair.js';
import { baseOf, fieldMarksOf, liveLinkOf, lockByLocal, lockByRemote, unlinkForExport, updateLink, upsertLink, type Link, type Tx } from '../../core/sync/link-store.js';
import { diffFields, mergeInbound, type ConflictPolicy, type InboundMergeResult } from '../../core/sync/merge.js';
import { resolvePendingReferences } from '../../core/sync/references.js';
import type { InboundPort } from './inbound-port.js';

export type InboundOutcome =
  | { result: 'duplicate' }
  | { result: 'applied'; entityId: string; action: 'created' | 'updated' | 'linked' | 'deleted' | 'unchanged' | 'unlinked'; conflicts: ConflictRecord[] }
  | { result: 'ignored'; entityId?: string; reason: string; conflicts: ConflictRecord[] };

export interface InboundApplyOptions {
  policy: ConflictPolicy;
}

/**
 * Merges a remote snapshot into a catalog, once per remote event, in one transaction that holds
 * the pair's row lock and the entity's: only what changed remotely since the base is applied (and
 * only fields the remote side carries), conflicts are settled by the policy and recorded, the base
 * moves by what was applied, and the entity's outbox event carries origin = the integration. The
 * catalog's port (its store) reads, locks and writes the entity. Throws ValidationError for data
 * the catalog cannot accept.
 */
export async function applyInboundChange<C extends CatalogName, Entity>(port: InboundPort<C, Entity>, change: InboundChangeOf<C>, options: InboundApplyOptions): Promise<InboundOutcome> {
  return port.inTransaction(async (tx) => {
    const first = await tx.processedEvent.createMany({
      data: [{ consumer: 'gateway.inbound', eventId: `${change.integration}:${change.id}` }],
      skipDuplicates: true,
    });
    if (first.count === 0) return { result: 'duplicate' };
    const data = await resolvePendingReferences(tx, change.catalog, change.integration, change.data, change.remoteReferences);
    const resolved = data === change.data ? change : { ...change, data };
    const link = await lockByRemote(tx, change.integration, change.remoteId);
    return link ? applyToLinked(port, tx, resolved, link, options) : applyToUnlinked(port, tx, resolved, options);
  }, change);
}

async function applyToLinked<C extends CatalogName, Entity>(port: InboundPort<C, Entity>, tx: Tx, change: InboundChangeOf<C>, link: Link, options: InboundApplyOptions): Promise<InboundOutcome> {
  const contract = catalogOf(change.catalog);
  const conflicts: ConflictRecord[] = [];
  const about = { catalog: change.catalog, integration: change.integration, remoteId: change.remoteId, entityId: link.localId };
  if (change.localId && change.localId !== link.localId && !(await recorded(tx, about, 'LINK_MISMATCH', change.localId))) {
    // The link stands; the remote object's claim to another local id is recorded and ignored.
    conflicts.push({ ...about, kind: 'LINK_MISMATCH', field: 'metadata.local_id', localValue: link.localId, remoteValue: change.localId, winner: 'local', policy: 'links-are-never-stolen' });
  }
  const mark = BigInt(change.mark);
  if (link.remoteMark !== null && mark <= link.remoteMark) {
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', entityId: link.localId, reason: 'an equally new or newer snapshot was applied', conflicts };
  }
  const entity = await port.lock(tx, link.localId);
  const current = entity ? port.view(entity) : null;
  const local = current ? contract.flatten(current.synced) : {};
  const base = baseOf(link);

  if (change.kind === 'deleted' && change.reconcile?.orphan === 'unlink' && entity && current && !current.deleted) {
    // Reconcile --delete-orphans: the remote object vanished without its delete ever reaching us.
    // The local entity is kept, unlinked and exported again (a new remote object); reconcile never
    // deletes local data. Under the pair's and the entity's locks, so a live edit meanwhile is
    // either in the snapshot exported or follows as its own change event.
    await unlinkForExport(tx, link, {
      kind: 'create',
      idempotencyKey: `catalog-gateway:create:${change.catalog}:${current.id}:after:${change.remoteId}`,
      fields: current.synced,
      version: current.version,
      storedAt: new Date().toISOString(),
    }, mark);
    await port.resync(tx, current.id, change.integration);
    await recordConflicts(tx, conflicts);
    return { result: 'applied', entityId: current.id, action: 'unlinked', conflicts };
  }
  if (change.kind === 'deleted') {
    if (!entity || !current || current.deleted) {
      await updateLink(tx, link.id, { base: null, fieldMarks: null, remoteMark: mark }, { synced: true });
      await recordConflicts(tx, conflicts);
      return { result: 'ignored', entityId: link.localId, reason: 'already deleted', conflicts };
    }
    const unsynced = link.base !== null ? diffFields(base, local) : {};
    if (Object.keys(unsynced).length > 0) {
      conflicts.push({ ...about, kind: 'DELETE_VS_UPDATE', localValue: contract.unflatten(local), remoteValue: null, winner: 'remote', policy: 'delete-wins' });
    }
    const deleted = port.view(await port.delete(tx, entity, { origin: change.integration, causationId: change.id }));
    await updateLink(tx, link.id, { base: null, fieldMarks: null, remoteMark: mark, lastSyncedVersion: deleted.version, lastRemoteEventAt: new Date(change.occurredAt) }, { synced: true });
    await recordConflicts(tx, conflicts);
    return { result: 'applied', entityId: current.id, action: 'deleted', conflicts };
  }

  // Fields the integration does not carry are read as unchanged (the base's values), never as cleared.
  const remote = contract.remoteView(base, change.data ?? {});
  if (!entity || !current || current.deleted || link.base === null) {
    // Deletes are final: a late create or update cannot bring the entity back.
    if (current?.deleted && link.base !== null) {
      conflicts.push({ ...about, kind: 'DELETE_VS_UPDATE', localValue: null, remoteValue: contract.unflatten(remote), winner: 'local', policy: 'delete-wins' });
    }
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', entityId: link.localId, reason: `${change.catalog} was deleted`, conflicts };
  }

  let merged: InboundMergeResult;
  // A repair is for the drift the run saw: if the entity changed locally since (a live edit), the
  // snapshot is merged as a live change instead, so that edit is judged by the base, not overwritten.
  const repair = change.reconcile?.repair && (change.reconcile.localVersion === undefined || change.reconcile.localVersion === current.version) ? change.reconcile.repair : undefined;
  if (repair) {
    // Reconcile: the sides differ with nothing on its way, so the base no longer tells who changed
    // what; each differing field is settled by the repair's rule and recorded as a conflict.
    const repaired = mergeDriftRepair({
      base,
      local,
      remote,
      remoteMark: mark,
      fieldMarks: fieldMarksOf(link),
      direction: repair,
      localChangedAt: current.changedAt,
      remoteChangedAt: change.reconcile?.remoteChangedAt ? new Date(change.reconcile.remoteChangedAt) : null,
    });
    merged = { ...repaired, conflicts: [] };
    for (const decision of repaired.decisions) {
      conflicts.push({ ...about, kind: 'FIELD', field: decision.field, localValue: decision.local, remoteValue: decision.remote, winner: decision.winner, policy: `reconcile-${repair}:${decision.reason}` });
    }
  } else {
    merged = mergeInbound({
      base,
      local,
      remote,
      remoteMark: mark,
      fieldMarks: fieldMarksOf(link),
      policy: options.policy,
      localChangedAt: current.changedAt,
      remoteChangedAt: new Date(change.occurredAt),
    });
    for (const conflict of merged.conflicts) conflicts.push({ ...about, kind: 'FIELD', ...conflict, policy: options.policy });
  }
  const outcome = await writeMerge(port, tx, change, entity, link, merged.localPatch, merged.base, mark, merged.localWon);
  await recordConflicts(tx, conflicts);
  return { result: 'applied', entityId: current.id, action: outcome, conflicts };
}

async function applyToUnlinked<C extends CatalogName, Entity>(port: InboundPort<C, Entity>, tx: Tx, change: InboundChangeOf<C>, options: InboundApplyOptions): Promise<InboundOutcome> {
  const contract = catalogOf(change.catalog);
  const conflicts: ConflictRecord[] = [];
  const about = { catalog: change.catalog, integration: change.integration, remoteId: change.remoteId };
  if (change.kind === 'deleted') return { result: 'ignored', reason: 'never linked', conflicts };
  const carried = change.data ?? {};
  const remote = contract.flatten(carried);
  const mark = BigInt(change.mark);

  // Link by the local id the remote object carries, then by the catalog's natural key (customers:
  // email); only to an entity with no live link to this integration: links are never stolen.
  const candidates: Array<{ entity: Entity; via: 'localId' | 'natural' }> = [];
  if (change.localId) {
    const byId = await port.lock(tx, change.localId);
    if (byId && !port.view(byId).deleted) candidates.push({ entity: byId, via: 'localId' });
  }
  const natural = port.naturalMatch ? await port.naturalMatch.find(tx, carried) : null;
  if (natural && !candidates.some((candidate) => port.view(candidate.entity).id === port.view(natural).id)) {
    candidates.push({ entity: (await port.lock(tx, port.view(natural).id)) ?? natural, via: 'natural' });
  }
  for (const { entity, via } of candidates) {
    const current = port.view(entity);
    const key = { catalog: change.catalog, localId: current.id, remoteSystem: change.integration };
    const existing = await lockByLocal(tx, key);
    const live = existing ? await liveLinkOf(tx, key) : null;
    if (live) {
      const kind = via === 'localId' ? 'LINK_MISMATCH' : 'DUPLICATE_REMOTE';
      if (!(await recorded(tx, { ...about, entityId: current.id }, kind, change.remoteId))) {
        conflicts.push({ ...about, entityId: current.id, kind, field: via === 'localId' ? 'metadata.local_id' : (port.naturalMatch?.field ?? null), localValue: live.remoteId, remoteValue: change.remoteId, winner: 'none', policy: 'links-are-never-stolen' });
      }
      continue;
    }
    // Two records that never agreed on anything: an empty base, so each field set on one side only
    // is taken, and each field set differently on both is a conflict settled by the policy.
    const merged = mergeInbound({
      base: {},
      local: contract.flatten(current.synced),
      remote,
      remoteMark: mark,
      fieldMarks: {},
      policy: options.policy,
      localChangedAt: current.changedAt,
      remoteChangedAt: new Date(change.occurredAt),
    });
    for (const conflict of merged.conflicts) conflicts.push({ ...about, entityId: current.id, kind: 'FIELD', ...conflict, policy: options.policy });
    const link = existing ?? (await upsertLink(tx, key, { remoteId: change.remoteId, remoteAccount: change.remoteAccount, remoteMode: change.remoteMode }));
    await updateLink(tx, link.id, { remoteId: change.remoteId, remoteAccount: change.remoteAccount, remoteMode: change.remoteMode, pendingRequest: null });
    await writeMerge(port, tx, change, entity, link, merged.localPatch, merged.base, mark, true);
    await recordConflicts(tx, conflicts);
    return { result: 'applied', entityId: current.id, action: 'linked', conflicts };
  }
  if (candidates.length > 0) {
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', reason: 'its local match is linked to another remote object', conflicts };
  }

  const created = port.view(await port.create(tx, carried, { origin: change.integration, causationId: change.id }));
  await upsertLink(tx, { catalog: change.catalog, localId: created.id, remoteSystem: change.integration }, {
    remoteId: change.remoteId,
    remoteAccount: change.remoteAccount,
    remoteMode: change.remoteMode,
    // What was created is what both sides now hold, as the catalog normalised it.
    base: created.synced,
    fieldMarks: {},
    remoteMark: mark,
    lastSyncedVersion: created.version,
    lastRemoteEventAt: new Date(change.occurredAt),
  });
  return { result: 'applied', entityId: created.id, action: 'created', conflicts };
}

/**
 * Writes the merge: the fields the remote side won, the new base, the mark. When a local value won
 * (or the pair was just linked), the entity is re-sent to the integration so its remote side
 * catches up even if no local change event is pending.
 */
async function writeMerge<C extends CatalogName, Entity>(
  port: InboundPort<C, Entity>,
  tx: Tx,
  change: InboundChangeOf<C>,
  entity: Entity,
  link: Link,
  localPatch: FlatFields,
  base: FlatFields,
  mark: bigint,
  pushLocal: boolean,
): Promise<'updated' | 'unchanged' | 'linked'> {
  const contract = catalogOf(change.catalog);
  const source = { origin: change.integration, causationId: change.id };
  const before = port.view(entity);
  let version = before.version;
  if (Object.keys(localPatch).length > 0) version = port.view(await port.update(tx, entity, localPatch, source)).version;
  await updateLink(tx, link.id, {
    base: contract.unflatten(base),
    remoteMark: mark,
    lastRemoteEventAt: new Date(change.occurredAt),
    // Change events of older versions are stale: this version's event (or a resync) carries what is still pending.
    lastSyncedVersion: Math.max(version, link.lastSyncedVersion ?? 0),
  }, { synced: true });
  // A local write is followed by its own change event; without one, a resync carries what the
  // remote side still lacks.
  const unsent = diffFields(base, contract.flatten(before.synced));
  if (pushLocal && version === before.version && Object.keys(unsent).length > 0) await port.resync(tx, before.id, change.integration);
  return link.remoteId === null || link.base === null ? 'linked' : Object.keys(localPatch).length > 0 ? 'updated' : 'unchanged';
}

/** A conflict of this kind about this pair and value is already on record (repeated events add nothing). */
async function recorded(tx: Tx, about: { integration: string; remoteId: string; entityId: string }, kind: 'LINK_MISMATCH' | 'DUPLICATE_REMOTE', value: string): Promise<boolean> {
  const found = await tx.syncConflict.findFirst({
    where: { integration: about.integration, remoteId: about.remoteId, entityId: about.entityId, kind, remoteValue: { equals: value } },
    select: { id: true },
  });
  return found !== null;
}

/** The merge of one catalog's remote snapshots, bound to its port (an entry of InboundAppliers). */
export function inboundApplier<C extends CatalogName, Entity>(port: InboundPort<C, Entity>) {
  return (change: InboundChangeOf<C>, options: InboundApplyOptions) => applyInboundChange(port, change, options);
}
