import type { PrismaClient } from '../../core/db/prisma.js';
import type { InboundChange } from '../../core/events/inbound-change.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { lockByRemote, lockRemoteObject, nextMark, type RemoteAccount } from '../../core/sync/link-store.js';
import { catalogOf, type CatalogName } from '../../core/catalogs/index.js';
import { toLocalTermsWithPending } from '../../core/sync/references.js';
import { handlerOf } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';

const TRANSACTION_TIMEOUT_MS = 30_000;

export interface SnapshotCause {
  /** The remote event (or our own observation) this snapshot answers; the gateway applies it once. */
  eventId: string;
  catalog: CatalogName;
  remoteId: string;
  kind: InboundChange['kind'];
  occurredAt: Date;
}

/**
 * Reads a remote object as it is now, under its lock (and its pair's row lock when linked), with a
 * sync mark taken just before the read: so the snapshot is ordered against every other snapshot of
 * the object and every write we make to it. Webhook payloads are never trusted for state: they may
 * be older than our last write, or than another event delivered before them.
 */
export async function readRemoteSnapshot(prisma: PrismaClient, adapter: ResolvedAdapter, account: RemoteAccount, cause: SnapshotCause): Promise<InboundChange> {
  const handler = handlerOf(adapter.instance, cause.catalog);
  const fetch = handler?.fetch?.bind(handler);
  if (!fetch) throw new Error(`integration ${adapter.name} cannot read remote ${cause.catalog} objects`);
  return prisma.$transaction(
    async (tx): Promise<InboundChange> => {
      await lockRemoteObject(tx, adapter.name, cause.remoteId);
      await lockByRemote(tx, adapter.name, cause.remoteId);
      const mark = await nextMark(tx);
      const state = await fetch(cause.remoteId);
      const translated = state.exists ? await toLocalTermsWithPending(tx, cause.catalog, adapter.name, state.fields) : undefined;
      const data = translated?.fields;
      const remoteReferences = translated?.pending.length ? Object.fromEntries(translated.pending.map((reference) => [reference.field, reference.remoteId])) : undefined;
      return {
        id: cause.eventId,
        integration: adapter.name,
        catalog: cause.catalog,
        kind: state.exists ? (cause.kind === 'deleted' ? 'updated' : cause.kind) : 'deleted',
        remoteId: cause.remoteId,
        ...(state.exists && state.localId ? { localId: state.localId } : {}),
        occurredAt: cause.occurredAt.toISOString(),
        ...(data ? { data } : {}),
        ...(remoteReferences ? { remoteReferences } : {}),
        mark: mark.toString(),
        remoteAccount: account.account,
        remoteMode: account.mode,
      } as InboundChange; // catalog and data belong to the same catalog (cause.catalog)
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
  );
}

/**
 * Publishes a snapshot on the inbound topic, keyed by remote object (one partition per object),
 * after the snapshots of the objects it references that are linked to nothing yet, in one batch
 * under the same key: the gateway links those before it applies the snapshot that needs them.
 */
export async function publishSnapshot(bus: MessageBus, topic: string, change: InboundChange, referenced: InboundChange[] = []): Promise<void> {
  await bus.publish(topic, [...referenced, change].map((each) => ({ key: change.remoteId, value: JSON.stringify(each), headers: { 'event-id': each.id } })));
}

/**
 * Snapshots of the objects `change` references that were linked to nothing when it was read (an
 * invoice made in Stripe whose customer's own webhook has not been handled yet, or was lost), so
 * the referencing change is never dead-lettered for arriving first.
 */
export async function readPendingReferences(prisma: PrismaClient, adapter: ResolvedAdapter, account: RemoteAccount, change: InboundChange): Promise<InboundChange[]> {
  const references = catalogOf(change.catalog).references as Record<string, CatalogName | undefined>;
  const snapshots: InboundChange[] = [];
  for (const [field, remoteId] of Object.entries(change.remoteReferences ?? {})) {
    const catalog = references[field];
    if (!catalog || !adapter.instance.catalogs[catalog]) continue;
    const eventId = `${change.id}~${field}`;
    snapshots.push(await readRemoteSnapshot(prisma, adapter, account, { eventId, catalog, remoteId, kind: 'created', occurredAt: new Date(change.occurredAt) }));
  }
  return snapshots;
}

