import type { PrismaClient } from '../../core/db/prisma.js';
import type { InboundChange } from '../../core/events/inbound-change.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { lockByRemote, lockRemoteObject, nextMark, type RemoteAccount } from '../../core/sync/link-store.js';
import type { CatalogName } from '../../core/catalogs/index.js';
import { toLocalTerms } from '../../core/sync/references.js';
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
      const data = state.exists ? await toLocalTerms(tx, cause.catalog, adapter.name, state.fields) : undefined;
      return {
        id: cause.eventId,
        integration: adapter.name,
        catalog: cause.catalog,
        kind: state.exists ? (cause.kind === 'deleted' ? 'updated' : cause.kind) : 'deleted',
        remoteId: cause.remoteId,
        ...(state.exists && state.localId ? { localId: state.localId } : {}),
        occurredAt: cause.occurredAt.toISOString(),
        ...(data ? { data } : {}),
        mark: mark.toString(),
        remoteAccount: account.account,
        remoteMode: account.mode,
      } as InboundChange; // catalog and data belong to the same catalog (cause.catalog)
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
  );
}

/** Publishes a snapshot on the inbound topic, keyed by remote object (one partition per object). */
export async function publishSnapshot(bus: MessageBus, topic: string, change: InboundChange): Promise<void> {
  await bus.publish(topic, [{ key: change.remoteId, value: JSON.stringify(change), headers: { 'event-id': change.id } }]);
}

