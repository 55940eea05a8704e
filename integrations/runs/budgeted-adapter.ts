import type { AdapterInstance } from '../registry/adapter.js';
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
  const outbound: AdapterInstance['outbound'] = {
    create: (request) => take(() => instance.outbound.create(request)),
    update: (request) => take(() => instance.outbound.update(request)),
    delete: (request) => take(() => instance.outbound.delete(request)),
    findByLocalId: (request) => take(() => instance.outbound.findByLocalId(request)),
  };
  const inbound = instance.inbound ? { ...instance.inbound, fetch: (catalog: string, remoteId: string) => take(() => instance.inbound!.fetch(catalog, remoteId)) } : undefined;
  return { name, instance: { ...instance, outbound, ...(inbound ? { inbound } : {}) } };
}
