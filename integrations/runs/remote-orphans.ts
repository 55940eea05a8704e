import type { CatalogName } from '../../core/catalogs/index.js';
import type { PrismaClient } from '../../core/db/prisma.js';
import { getLogger } from '../../core/logger.js';
import { lockByRemote, lockRemoteObject, updateLink } from '../../core/sync/link-store.js';
import { handlerOf } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';

const log = getLogger('runs.reconcile.orphans');
const TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * Deletes a remote object whose local entity is deleted (its delete never reached the remote side;
 * deletes are final). Under the object's advisory lock and its pair's row lock (so no webhook
 * snapshot or outbound write of it runs meanwhile), the local side is checked again (still a
 * tombstone) and the object read again (still there, still the same entity's) just before the
 * delete. Nothing live can be lost: the local entity is deleted and cannot be edited, and a remote
 * edit racing the delete loses to it, as any update does against a delete. The delete's own webhook
 * finds the pair deleted (or never linked) and changes nothing: no echo. False when the check fails.
 */
export async function deleteRemoteOrphan(deps: { prisma: PrismaClient; adapter: ResolvedAdapter }, catalog: CatalogName, remoteId: string, localId: string): Promise<boolean> {
  const handler = handlerOf(deps.adapter.instance, catalog);
  if (!handler?.fetch) throw new Error(`integration ${deps.adapter.name} cannot read remote ${catalog} objects`);
  const integration = deps.adapter.name;
  return deps.prisma.$transaction(
    async (tx) => {
      await lockRemoteObject(tx, integration, remoteId);
      const link = await lockByRemote(tx, integration, remoteId);
      if (link && link.localId !== localId) return false;
      const tombstone = await tx.customer.findUnique({ where: { id: localId }, select: { deletedAt: true } });
      if (!tombstone?.deletedAt) return false;
      const now = await handler.fetch!(remoteId);
      if (!now.exists || (!link && now.localId !== localId)) return false;
      await handler.delete({ localId, remoteId, idempotencyKey: `catalog-gateway:delete:${remoteId}` });
      if (link) await updateLink(tx, link.id, { base: null, fieldMarks: null, pendingRequest: null }, { synced: true });
      log.info({ integration, catalog, remoteId, localId }, 'remote orphan of a deleted entity deleted');
      return true;
    },
    { timeout: TRANSACTION_TIMEOUT_MS, maxWait: TRANSACTION_TIMEOUT_MS },
  );
}
