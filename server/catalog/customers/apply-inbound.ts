import { CUSTOMER_CATALOG, flattenCustomer, syncedCustomerOf, unflattenCustomer, type FlatFields, type SyncedAddress } from '../../../core/catalogs/customer.js';
import type { Customer } from '../../../core/db/generated/client.js';
import type { InboundChange } from '../../../core/events/inbound-change.js';
import { recordConflicts, type ConflictRecord } from '../../../core/sync/conflicts.js';
import { baseOf, fieldMarksOf, liveLinkOf, lockByLocal, lockByRemote, updateLink, upsertLink, type Link, type Tx } from '../../../core/sync/link-store.js';
import { diffFields, mergeInbound, type ConflictPolicy } from '../../../core/sync/merge.js';
import { createCustomerInputSchema, updateCustomerInputSchema, validate } from './customer-input.js';
import type { CustomerStore } from './customer-store.js';

export type InboundOutcome =
  | { result: 'duplicate' }
  | { result: 'applied'; customerId: string; action: 'created' | 'updated' | 'linked' | 'deleted' | 'unchanged'; conflicts: ConflictRecord[] }
  | { result: 'ignored'; customerId?: string; reason: string; conflicts: ConflictRecord[] };

export interface InboundApplyOptions {
  policy: ConflictPolicy;
}

/**
 * Merges a remote snapshot into the catalog, once per remote event, in one transaction that holds
 * the pair's row lock and the customer's: only what changed remotely since the base is applied,
 * conflicts are settled by the policy and recorded, the base moves by what was applied, and the
 * customer's outbox event carries origin = the integration. Throws ValidationError for data the
 * catalog cannot accept.
 */
export async function applyInboundCustomerChange(store: CustomerStore, change: InboundChange, options: InboundApplyOptions): Promise<InboundOutcome> {
  return store.inTransaction(async (tx) => {
    const first = await tx.processedEvent.createMany({
      data: [{ consumer: 'gateway.inbound', eventId: `${change.integration}:${change.id}` }],
      skipDuplicates: true,
    });
    if (first.count === 0) return { result: 'duplicate' };
    const link = await lockByRemote(tx, change.integration, change.remoteId);
    return link ? applyToLinked(store, tx, change, link, options) : applyToUnlinked(store, tx, change, options);
  }, change.data?.email);
}

async function applyToLinked(store: CustomerStore, tx: Tx, change: InboundChange, link: Link, options: InboundApplyOptions): Promise<InboundOutcome> {
  const conflicts: ConflictRecord[] = [];
  const about = { catalog: CUSTOMER_CATALOG, integration: change.integration, remoteId: change.remoteId, entityId: link.localId };
  if (change.localId && change.localId !== link.localId && !(await recorded(tx, about, 'LINK_MISMATCH', change.localId))) {
    // The link stands; the remote object's claim to another local id is recorded and ignored.
    conflicts.push({ ...about, kind: 'LINK_MISMATCH', field: 'metadata.local_id', localValue: link.localId, remoteValue: change.localId, winner: 'local', policy: 'links-are-never-stolen' });
  }
  const mark = BigInt(change.mark);
  if (link.remoteMark !== null && mark <= link.remoteMark) {
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', customerId: link.localId, reason: 'an equally new or newer snapshot was applied', conflicts };
  }
  const customer = await lockCustomer(tx, link.localId);
  const local = customer ? flattenCustomer(syncedCustomerOf(customer)) : {};
  const base = baseOf(link);

  if (change.kind === 'deleted') {
    if (!customer || customer.deletedAt) {
      await updateLink(tx, link.id, { base: null, fieldMarks: null, remoteMark: mark }, { synced: true });
      await recordConflicts(tx, conflicts);
      return { result: 'ignored', customerId: link.localId, reason: 'already deleted', conflicts };
    }
    const unsynced = link.base !== null ? diffFields(base, local) : {};
    if (Object.keys(unsynced).length > 0) {
      conflicts.push({ ...about, kind: 'DELETE_VS_UPDATE', localValue: unflattenCustomer(local), remoteValue: null, winner: 'remote', policy: 'delete-wins' });
    }
    const deleted = await store.deleteIn(tx, customer.id, { origin: change.integration, causationId: change.id });
    await updateLink(tx, link.id, { base: null, fieldMarks: null, remoteMark: mark, lastSyncedVersion: deleted.version, lastRemoteEventAt: new Date(change.occurredAt) }, { synced: true });
    await recordConflicts(tx, conflicts);
    return { result: 'applied', customerId: customer.id, action: 'deleted', conflicts };
  }

  const remote = flattenCustomer(change.data!);
  if (!customer || customer.deletedAt || link.base === null) {
    // Deletes are final: a late create or update cannot bring the customer back.
    if (link.base !== null || Object.keys(diffFields(base, remote)).length > 0) {
      if (customer?.deletedAt && link.base !== null) {
        conflicts.push({ ...about, kind: 'DELETE_VS_UPDATE', localValue: null, remoteValue: unflattenCustomer(remote), winner: 'local', policy: 'delete-wins' });
      }
    }
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', customerId: link.localId, reason: 'customer was deleted', conflicts };
  }

  const merged = mergeInbound({
    base,
    local,
    remote,
    remoteMark: mark,
    fieldMarks: fieldMarksOf(link),
    policy: options.policy,
    localChangedAt: customer.updatedAt,
    remoteChangedAt: new Date(change.occurredAt),
  });
  for (const conflict of merged.conflicts) conflicts.push({ ...about, kind: 'FIELD', ...conflict, policy: options.policy });
  const outcome = await writeMerge(store, tx, change, customer, link, merged.localPatch, merged.base, mark, merged.localWon);
  await recordConflicts(tx, conflicts);
  return { result: 'applied', customerId: customer.id, action: outcome, conflicts };
}

async function applyToUnlinked(store: CustomerStore, tx: Tx, change: InboundChange, options: InboundApplyOptions): Promise<InboundOutcome> {
  const conflicts: ConflictRecord[] = [];
  const about = { catalog: CUSTOMER_CATALOG, integration: change.integration, remoteId: change.remoteId };
  if (change.kind === 'deleted') return { result: 'ignored', reason: 'never linked', conflicts };
  const remote = flattenCustomer(change.data!);
  const mark = BigInt(change.mark);

  // Link by the local id the remote object carries, then by email; only to a customer with no live
  // link to this integration: links are never stolen.
  const candidates: Array<{ customer: Customer; via: 'localId' | 'email' }> = [];
  if (change.localId) {
    const byId = await lockCustomer(tx, change.localId);
    if (byId && !byId.deletedAt) candidates.push({ customer: byId, via: 'localId' });
  }
  if (change.data?.email) {
    const byEmail = await tx.customer.findFirst({ where: { email: change.data.email.toLowerCase(), deletedAt: null } });
    if (byEmail && !candidates.some((candidate) => candidate.customer.id === byEmail.id)) candidates.push({ customer: await lockCustomer(tx, byEmail.id) ?? byEmail, via: 'email' });
  }
  for (const { customer, via } of candidates) {
    const key = { catalog: CUSTOMER_CATALOG, localId: customer.id, remoteSystem: change.integration };
    const existing = await lockByLocal(tx, key);
    const live = existing ? await liveLinkOf(tx, key) : null;
    if (live) {
      const kind = via === 'localId' ? 'LINK_MISMATCH' : 'DUPLICATE_REMOTE';
      if (!(await recorded(tx, { ...about, entityId: customer.id }, kind, change.remoteId))) {
        conflicts.push({ ...about, entityId: customer.id, kind, field: via === 'localId' ? 'metadata.local_id' : 'email', localValue: live.remoteId, remoteValue: change.remoteId, winner: 'none', policy: 'links-are-never-stolen' });
      }
      continue;
    }
    // Two records that never agreed on anything: an empty base, so each field set on one side only
    // is taken, and each field set differently on both is a conflict settled by the policy.
    const merged = mergeInbound({
      base: {},
      local: flattenCustomer(syncedCustomerOf(customer)),
      remote,
      remoteMark: mark,
      fieldMarks: {},
      policy: options.policy,
      localChangedAt: customer.updatedAt,
      remoteChangedAt: new Date(change.occurredAt),
    });
    for (const conflict of merged.conflicts) conflicts.push({ ...about, entityId: customer.id, kind: 'FIELD', ...conflict, policy: options.policy });
    const link = existing ?? (await upsertLink(tx, key, { remoteId: change.remoteId, remoteAccount: change.remoteAccount, remoteMode: change.remoteMode }));
    await updateLink(tx, link.id, { remoteId: change.remoteId, remoteAccount: change.remoteAccount, remoteMode: change.remoteMode, pendingRequest: null });
    await writeMerge(store, tx, change, customer, link, merged.localPatch, merged.base, mark, true);
    await recordConflicts(tx, conflicts);
    return { result: 'applied', customerId: customer.id, action: 'linked', conflicts };
  }
  if (candidates.length > 0) {
    await recordConflicts(tx, conflicts);
    return { result: 'ignored', reason: 'its local match is linked to another remote object', conflicts };
  }

  const input = validate(createCustomerInputSchema, toCustomerInput(remote, {}));
  const created = await store.createIn(tx, input, { origin: change.integration, causationId: change.id });
  await upsertLink(tx, { catalog: CUSTOMER_CATALOG, localId: created.id, remoteSystem: change.integration }, {
    remoteId: change.remoteId,
    remoteAccount: change.remoteAccount,
    remoteMode: change.remoteMode,
    // What was created is what both sides now hold, as the catalog normalised it.
    base: syncedCustomerOf(created),
    fieldMarks: {},
    remoteMark: mark,
    lastSyncedVersion: created.version,
    lastRemoteEventAt: new Date(change.occurredAt),
  });
  return { result: 'applied', customerId: created.id, action: 'created', conflicts };
}

/**
 * Writes the merge: the fields the remote side won, the new base, the mark. When a local value won
 * (or the pair was just linked), the customer is re-sent to the integration so its remote side
 * catches up even if no local change event is pending.
 */
async function writeMerge(
  store: CustomerStore,
  tx: Tx,
  change: InboundChange,
  customer: Customer,
  link: Link,
  localPatch: FlatFields,
  base: FlatFields,
  mark: bigint,
  pushLocal: boolean,
): Promise<'updated' | 'unchanged' | 'linked'> {
  const source = { origin: change.integration, causationId: change.id };
  let version = customer.version;
  if (Object.keys(localPatch).length > 0) {
    const input = validate(updateCustomerInputSchema, toCustomerInput(localPatch, customer));
    version = (await store.updateIn(tx, customer.id, input, source)).version;
  }
  await updateLink(tx, link.id, {
    base: unflattenCustomer(base),
    remoteMark: mark,
    lastRemoteEventAt: new Date(change.occurredAt),
    // Change events of older versions are stale: this version's event (or a resync) carries what is still pending.
    lastSyncedVersion: Math.max(version, link.lastSyncedVersion ?? 0),
  }, { synced: true });
  // A local write is followed by its own change event; without one, a resync carries what the
  // remote side still lacks.
  const unsent = diffFields(base, flattenCustomer(syncedCustomerOf(customer)));
  if (pushLocal && version === customer.version && Object.keys(unsent).length > 0) await store.resyncIn(tx, customer.id, change.integration);
  return link.remoteId === null || link.base === null ? 'linked' : Object.keys(localPatch).length > 0 ? 'updated' : 'unchanged';
}

/** The catalog input that sets the patched fields (metadata keys merged into the current metadata). */
function toCustomerInput(patch: FlatFields, customer: Pick<Customer, 'metadata'> | Record<string, never>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  let metadata: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'address') input.address = value ? addressInput(value as SyncedAddress) : null;
    else if (key === 'email' || key === 'name' || key === 'phone') input[key] = value as string | null;
    else if (key.startsWith('metadata.')) {
      metadata ??= { ...((('metadata' in customer && customer.metadata) as Record<string, unknown> | null) ?? {}) };
      const name = key.slice('metadata.'.length);
      if (value === null) delete metadata[name];
      else metadata[name] = value;
    }
  }
  if (metadata !== undefined) input.metadata = Object.keys(metadata).length > 0 ? metadata : null;
  return input;
}

function addressInput(address: SyncedAddress): Record<string, string> {
  return Object.fromEntries(Object.entries(address).filter(([, value]) => value !== null)) as Record<string, string>;
}

async function lockCustomer(tx: Tx, id: string): Promise<Customer | null> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM customer WHERE id = ${id}::uuid FOR UPDATE`;
  return rows[0] ? tx.customer.findUnique({ where: { id } }) : null;
}

/** A conflict of this kind about this pair and value is already on record (repeated events add nothing). */
async function recorded(tx: Tx, about: { integration: string; remoteId: string; entityId: string }, kind: 'LINK_MISMATCH' | 'DUPLICATE_REMOTE', value: string): Promise<boolean> {
  const found = await tx.syncConflict.findFirst({
    where: { integration: about.integration, remoteId: about.remoteId, entityId: about.entityId, kind, remoteValue: { equals: value } },
    select: { id: true },
  });
  return found !== null;
}
