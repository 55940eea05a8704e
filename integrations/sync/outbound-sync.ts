import { createHash } from 'node:crypto';
import { catalogOf, type CatalogName, type FlatFields } from '../../core/catalogs/index.js';
import type { PrismaClient } from '../../core/db/prisma.js';
import { changeKindOf, type ChangeEnvelope, type ChangeEnvelopeOf } from '../../core/events/envelope.js';
import { toLocalTerms, toRemoteTerms, UnlinkedReferenceError } from '../../core/sync/references.js';
import { applyFields, diffFields, sameValue } from '../../core/sync/merge.js';
import {
  baseOf,
  ensureLink,
  fieldMarksOf,
  findLink,
  lockByLocal,
  nextMark,
  pendingCreateOf,
  storePendingCreate,
  updateLink,
  type Link,
  type LinkKey,
  type PendingCreate,
  type RemoteAccount,
  type Tx,
} from '../../core/sync/link-store.js';
import { unpark } from '../../core/sync/parking.js';
import { handlerOf, type CatalogHandler } from '../registry/adapter.js';
import { RetryableError } from '../registry/errors.js';
import type { ResolvedAdapter } from '../registry/registry.js';

/** Stripe keeps an idempotency key at least 24 h; after that a stored create is looked up first. */
const IDEMPOTENCY_KEY_LIFETIME_MS = 23 * 3_600_000;
/** The pair's lock is held across the remote call: long enough for a slow call and its timeout. */
const TRANSACTION_TIMEOUT_MS = 60_000;

export type OutboundOutcome =
  | { result: 'stale' }
  | { result: 'unchanged' }
  | { result: 'created' | 'updated' | 'deleted'; remoteId: string | null; fields: string[]; contested?: string[] }
  /** Every changed field was also changed remotely: the inbound merge settles them. */
  | { result: 'contested'; remoteId: string; fields: string[] }
  /** The remote object is gone: the caller has the catalog delete the local entity. */
  | { result: 'remote-missing'; remoteId: string };

/**
 * Makes the remote object match one local change, under the pair's row lock (so no remote
 * snapshot is read and no inbound change applied in between). Sends only what changed locally
 * since the base, then moves the base by exactly what was written. A change older than what the
 * base already accounts for is skipped: a later change event carries whatever is still pending.
 */
export async function syncOutbound(prisma: PrismaClient, adapter: ResolvedAdapter, account: RemoteAccount, change: ChangeEnvelope): Promise<OutboundOutcome> {
  const handler = handlerOf(adapter.instance, change.catalog);
  if (!handler) return { result: 'unchanged' }; // the consumer skips catalogs the adapter does not sync
  try {
    return await syncOutboundOf(prisma, adapter.name, handler, account, change);
  } catch (error) {
    // Its customer is not linked yet (its create is parked or in flight): retried like any transient failure.
    if (error instanceof UnlinkedReferenceError) throw new RetryableError(error.message, undefined, { cause: error });
    throw error;
  }
}

async function syncOutboundOf<C extends CatalogName>(
  prisma: PrismaClient,
  remoteSystem: string,
  remote: CatalogHandler<C>,
  account: RemoteAccount,
  change: ChangeEnvelopeOf<C>,
): Promise<OutboundOutcome> {
  const key: LinkKey = { catalog: change.catalog, localId: change.entityId, remoteSystem };
  const contract = catalogOf(change.catalog);
  const kind = changeKindOf(change);
  const local = contract.flatten(contract.syncedOf(change.data));
  const forced = change.resyncFor === remoteSystem;

  await ensureLink(prisma, key, account);
  if (kind !== 'deleted') {
    // Stored (and committed) before it is sent: a retry, even after a crash, sends the same request.
    const link = await findLink(prisma, key);
    if (link && !link.remoteId && !pendingCreateOf(change.catalog, link) && !isStale(link, change, forced)) {
      await storePendingCreate(prisma, key, {
        kind: 'create',
        idempotencyKey: `catalog-gateway:create:${key.catalog}:${key.localId}`,
        // In the catalog's terms (local ids in references): the base is kept in them too.
        fields: contract.unflatten(local),
        version: change.version,
        storedAt: new Date().toISOString(),
      });
    }
  }

  return prisma.$transaction(
    async (tx) => {
      const outcome = await syncLocked(tx);
      // Settled (sent, or nothing left to send): the pair leaves the retry queue in this transaction.
      if (outcome.result !== 'contested') await unpark(tx, key, change.id);
      return outcome;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
  );

  async function syncLocked(tx: Tx): Promise<OutboundOutcome> {
    const link = (await lockByLocal(tx, key))!;
    if (isStale(link, change, forced)) return { result: 'stale' };
    const createRemote = async (request: PendingCreate<C>) => {
      const fields = await toRemoteTerms(tx, change.catalog, remoteSystem, request.fields);
      return (
        (expired(request) ? await remote.findByLocalId({ localId: key.localId, fields }) : null) ??
        (await remote.create({ catalog: change.catalog, localId: key.localId, fields, idempotencyKey: request.idempotencyKey })).remoteId
      );
    };

    if (kind === 'deleted') {
      let remoteId = link.remoteId;
      const request = pendingCreateOf(change.catalog, link);
      if (!remoteId && request) {
        // A create was stored and may have reached the remote side before a crash: replaying it
        // (same key) finds that object, which the delete then removes. No orphan is left.
        remoteId = await createRemote(request);
        await updateLink(tx, link.id, { remoteId, remoteAccount: account.account, remoteMode: account.mode });
      }
      if (remoteId && (link.base !== null || request)) {
        await remote.delete({ localId: key.localId, remoteId, idempotencyKey: `catalog-gateway:delete:${remoteId}` });
      }
      await updateLink(tx, link.id, { base: null, fieldMarks: null, pendingRequest: null, lastSyncedVersion: change.version }, { synced: true });
      return { result: 'deleted', remoteId, fields: [] };
    }
    if (link.remoteId && link.base === null) return { result: 'stale' }; // deleted remotely; the delete is on its way

    let remoteId = link.remoteId;
    let base = baseOf(link);
    let marks = fieldMarksOf(link);
    let created: string[] | undefined;
    if (!remoteId) {
      const request = pendingCreateOf(change.catalog, link);
      if (!request) return { result: 'stale' };
      remoteId = await createRemote(request);
      const mark = (await nextMark(tx)).toString();
      base = contract.flatten(request.fields);
      marks = Object.fromEntries(Object.keys(base).map((field) => [field, mark]));
      created = Object.keys(base);
      await updateLink(tx, link.id, {
        remoteId,
        base: contract.unflatten(base),
        fieldMarks: marks,
        pendingRequest: null,
        lastSyncedVersion: request.version,
        remoteAccount: account.account,
        remoteMode: account.mode,
      }, { synced: true });
    }

    // A resync sends every field again, repairing whatever drifted on the remote side.
    let patch = forced ? diffFields(nothingOf(base, local), local) : diffFields(base, local);
    let contested: string[] = [];
    if (!forced && !created && Object.keys(patch).length > 0 && remote.fetch) {
      // Stripe has no conditional writes. Read the object first (under the pair's lock): a field
      // it changed since the base is not overwritten here but left to the inbound merge, where
      // the remote change's own event time settles the conflict and it is recorded.
      const now = await remote.fetch(remoteId);
      if (!now.exists) return { result: 'remote-missing', remoteId };
      const remoteNow = contract.remoteView(base, await toLocalTerms(tx, change.catalog, remoteSystem, now.fields));
      contested = Object.keys(patch).filter((field) => !sameValue(remoteNow[field], base[field]));
      patch = Object.fromEntries(Object.entries(patch).filter(([field]) => !contested.includes(field)));
    }
    if (Object.keys(patch).length === 0) {
      if (contested.length > 0) return { result: 'contested', remoteId, fields: contested };
      await updateLink(tx, link.id, { lastSyncedVersion: Math.max(change.version, link.lastSyncedVersion ?? 0) }, { synced: true });
      return created ? { result: 'created', remoteId, fields: created } : { result: 'unchanged' };
    }
    const after = applyFields(base, patch);
    const outcome = await remote.update({
      catalog: change.catalog,
      localId: key.localId,
      remoteId,
      patch: await toRemoteTerms(tx, change.catalog, remoteSystem, patch),
      before: await toRemoteTerms(tx, change.catalog, remoteSystem, contract.unflatten(base)),
      after: await toRemoteTerms(tx, change.catalog, remoteSystem, contract.unflatten(after)),
      idempotencyKey: updateKey(remoteId, base, patch),
    });
    if (outcome === 'missing') return { result: 'remote-missing', remoteId };
    const mark = (await nextMark(tx)).toString();
    for (const field of Object.keys(patch)) marks[field] = mark;
    await updateLink(tx, link.id, { base: contract.unflatten(after), fieldMarks: marks, lastSyncedVersion: change.version }, { synced: true });
    return { result: created ? 'created' : 'updated', remoteId, fields: Object.keys(patch), ...(contested.length > 0 ? { contested } : {}) };
  }
}

/** A change older than the local version the base accounts for (a resync is never stale). */
function isStale(link: Link, change: Pick<ChangeEnvelope, 'version'>, forced: boolean): boolean {
  return !forced && link.lastSyncedVersion !== null && change.version < link.lastSyncedVersion;
}

function expired(request: Pick<PendingCreate, 'storedAt'>): boolean {
  return Date.now() - new Date(request.storedAt).getTime() > IDEMPOTENCY_KEY_LIFETIME_MS;
}

/** Every field of `base` and `local` set to a value no field has, so that all of `local` differs. */
function nothingOf(base: FlatFields, local: FlatFields): FlatFields {
  return Object.fromEntries([...Object.keys(base), ...Object.keys(local)].map((field) => [field, '\u0000resync']));
}

/** Same patch on the same base: same request, same key (a retry replays); anything else: a new key. */
function updateKey(remoteId: string, base: FlatFields, patch: FlatFields): string {
  const digest = createHash('sha256').update(JSON.stringify([remoteId, sorted(base), sorted(patch)])).digest('base64url');
  return `catalog-gateway:update:${digest}`;
}

function sorted(fields: FlatFields): Array<[string, unknown]> {
  return Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
