import type { CatalogName } from '../../core/catalogs/index.js';
import { asBulkWork } from '../rate-budget/priority.js';
import type { AdapterInstance, CatalogHandler, CatalogHandlers } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';

/**
 * The adapter as bulk work sees it: every remote call runs as bulk work (`asBulkWork`), so the
 * adapter's client takes its tokens from the shared rate budget at the bulk priority, only what
 * live changes leave. The bulk consumer group thus runs the live code (merge, conflicts, sync
 * events) without ever queueing in front of a live change.
 */
export function asBulkAdapter(adapter: ResolvedAdapter): ResolvedAdapter {
  const { instance, name } = adapter;
  const wrap = <C extends CatalogName>(handler: CatalogHandler<C>): CatalogHandler<C> => ({
    create: (request) => asBulkWork(() => handler.create(request)),
    update: (request) => asBulkWork(() => handler.update(request)),
    delete: (request) => asBulkWork(() => handler.delete(request)),
    findByLocalId: (request) => asBulkWork(() => handler.findByLocalId(request)),
    ...(handler.fetch ? { fetch: (remoteId: string) => asBulkWork(() => handler.fetch!(remoteId)) } : {}),
  });
  const catalogs: CatalogHandlers = {};
  if (instance.catalogs.customer) catalogs.customer = wrap(instance.catalogs.customer);
  if (instance.catalogs.invoice) catalogs.invoice = wrap(instance.catalogs.invoice);
  const bulk = instance.bulk
    ? { ...instance.bulk, listPage: (...args: Parameters<NonNullable<AdapterInstance['bulk']>['listPage']>) => asBulkWork(() => instance.bulk!.listPage(...args)) }
    : undefined;
  // Reconcile reads remote change times from the event list (the catch-up's own reader).
  const catchUp = instance.catchUp ? { ...instance.catchUp, listEvents: (since: Date) => asBulkWork(() => instance.catchUp!.listEvents(since)) } : undefined;
  return { name, instance: { ...instance, catalogs, ...(bulk ? { bulk } : {}), ...(catchUp ? { catchUp } : {}) } };
}
