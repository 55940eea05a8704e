import type { CatalogName } from '../../core/catalogs/index.js';
import type { CatalogHandler, CatalogHandlers } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import type { BulkBudget } from './bulk-budget.js';

/**
 * The adapter as bulk work sees it: every remote call first waits on the bulk budget, so the bulk
 * consumer group runs the live code (merge, conflicts, sync events) at the bulk rate only.
 */
export function drawingOn(budget: BulkBudget, adapter: ResolvedAdapter): ResolvedAdapter {
  const { instance, name } = adapter;
  const take = async <T>(call: () => Promise<T>): Promise<T> => {
    await budget.acquire(name);
    return call();
  };
  const wrap = <C extends CatalogName>(handler: CatalogHandler<C>): CatalogHandler<C> => ({
    create: (request) => take(() => handler.create(request)),
    update: (request) => take(() => handler.update(request)),
    delete: (request) => take(() => handler.delete(request)),
    findByLocalId: (request) => take(() => handler.findByLocalId(request)),
    ...(handler.fetch ? { fetch: (remoteId: string) => take(() => handler.fetch!(remoteId)) } : {}),
  });
  const catalogs: CatalogHandlers = {};
  if (instance.catalogs.customer) catalogs.customer = wrap(instance.catalogs.customer);
  if (instance.catalogs.invoice) catalogs.invoice = wrap(instance.catalogs.invoice);
  return { name, instance: { ...instance, catalogs } };
}
