import { asBulkWork } from '../rate-budget/priority.js';
import type { AdapterInstance } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';

/**
 * The adapter as bulk work sees it: every remote call runs as bulk work (`asBulkWork`), so the
 * adapter's client takes its tokens from the shared rate budget at the bulk priority, only what
 * live changes leave. The bulk consumer group thus runs the live code (merge, conflicts, sync
 * events) without ever queueing in front of a live change.
 */
export function asBulkAdapter(adapter: ResolvedAdapter): ResolvedAdapter {
  const { instance, name } = adapter;
  const outbound: AdapterInstance['outbound'] = {
    create: (request) => asBulkWork(() => instance.outbound.create(request)),
    update: (request) => asBulkWork(() => instance.outbound.update(request)),
    delete: (request) => asBulkWork(() => instance.outbound.delete(request)),
    findByLocalId: (request) => asBulkWork(() => instance.outbound.findByLocalId(request)),
  };
  const inbound = instance.inbound ? { ...instance.inbound, fetch: (catalog: string, remoteId: string) => asBulkWork(() => instance.inbound!.fetch(catalog, remoteId)) } : undefined;
  const bulk = instance.bulk ? { ...instance.bulk, listPage: (...args: Parameters<NonNullable<AdapterInstance['bulk']>['listPage']>) => asBulkWork(() => instance.bulk!.listPage(...args)) } : undefined;
  return { name, instance: { ...instance, outbound, ...(inbound ? { inbound } : {}), ...(bulk ? { bulk } : {}) } };
}
