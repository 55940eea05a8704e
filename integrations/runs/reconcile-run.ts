import type { PrismaClient } from '../../core/db/prisma.js';
import type { SyncRun } from '../../core/db/generated/client.js';
import { CUSTOMER_CATALOG, customerSnapshotOf, flattenCustomer, syncedCustomerOf } from '../../core/catalogs/customer.js';
import { newChangeEnvelope, ORIGIN_LOCAL } from '../../core/events/envelope.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';
import type { RunContext } from '../../core/runs/run-executor.js';
import { diffFields } from '../../core/sync/merge.js';
import type { ResolvedAdapter } from '../registry/registry.js';

const log = getLogger('runs.reconcile');
const PAGE_SIZE = 100;
const SAMPLE_SIZE = 20;

export interface ReconcileRunDeps {
  prisma: PrismaClient;
  bus: MessageBus;
  /** The adapter as bulk work (asBulkAdapter): listing takes only what live changes leave of the budget. */
  adapter: ResolvedAdapter;
  /** The bulk changes topic: a resync event there goes through the live outbound code at bulk priority. */
  bulkChangesTopic: string;
}

export interface DriftSample {
  customerId: string;
  remoteId: string;
  field: string;
  local: unknown;
  remote: unknown;
}

export interface ReconcileReport {
  /** Linked pairs whose local and remote values differ, per field. */
  driftByField: Record<string, number>;
  driftedPairs: number;
  sample: DriftSample[];
  /** Remote objects linked to no live local customer. */
  remoteOrphans: { count: number; sample: string[] };
  /** Live local customers whose linked remote object was not in the listing. */
  localOrphans: { count: number; sample: Array<{ customerId: string; remoteId: string }> };
  /** Pairs a resync event was queued for (repair remote). */
  repaired: number;
}

/**
 * Reconcile: lists every remote object (as bulk work) and compares each linked pair field by field
 * with the live catalog, reporting drift per field with a sample, and orphans on both sides. With
 * `repair: remote` (and not a dry run) each drifted pair gets a resync event on the bulk changes
 * topic, which the bulk consumer group sends through the live outbound code (every field again).
 * Nothing is deleted. The comparison needs the whole listing (local orphans are the links not
 * seen), so a resumed run starts the listing again rather than from a cursor. `since` limits it
 * to remote objects created since then and, for local orphans, to links made since then.
 */
export async function runReconcile(deps: ReconcileRunDeps, run: SyncRun, ctx: RunContext): Promise<void> {
  const listPage = deps.adapter.instance.bulk?.listPage;
  if (!listPage) throw new Error(`integration ${deps.adapter.name} cannot list remote objects`);
  const options = run.options as { repair?: 'local' | 'remote' | 'latest'; since?: string };
  const since = options.since ? new Date(options.since) : undefined;
  if (options.repair && options.repair !== 'remote') throw new Error(`reconcile --repair ${options.repair} is not supported yet (only remote)`);
  const integration = deps.adapter.name;
  const report: ReconcileReport = { driftByField: {}, driftedPairs: 0, sample: [], remoteOrphans: { count: 0, sample: [] }, localOrphans: { count: 0, sample: [] }, repaired: 0 };
  const seenRemote = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const page = await listPage(run.catalog, { cursor, limit: PAGE_SIZE, ...(since ? { since } : {}) });
    const remoteIds = page.items.map((item) => item.remoteId);
    for (const id of remoteIds) seenRemote.add(id);
    const links = await deps.prisma.idMapping.findMany({ where: { catalog: run.catalog, remoteSystem: integration, remoteId: { in: remoteIds } } });
    const customers = await deps.prisma.customer.findMany({ where: { id: { in: links.map((link) => link.localId) }, deletedAt: null } });
    const linkByRemote = new Map(links.map((link) => [link.remoteId!, link]));
    const customerById = new Map(customers.map((customer) => [customer.id, customer]));
    let drifted = 0;
    for (const item of page.items) {
      const link = linkByRemote.get(item.remoteId);
      const customer = link ? customerById.get(link.localId) : undefined;
      if (!link || !customer) {
        report.remoteOrphans.count += 1;
        if (report.remoteOrphans.sample.length < SAMPLE_SIZE) report.remoteOrphans.sample.push(item.remoteId);
        continue;
      }
      const local = flattenCustomer(syncedCustomerOf(customer));
      const remote = flattenCustomer(item.fields);
      const fields = Object.keys(diffFields(local, remote));
      if (fields.length === 0) continue;
      drifted += 1;
      report.driftedPairs += 1;
      for (const field of fields) {
        report.driftByField[field] = (report.driftByField[field] ?? 0) + 1;
        if (report.sample.length < SAMPLE_SIZE) report.sample.push({ customerId: customer.id, remoteId: item.remoteId, field, local: local[field] ?? null, remote: remote[field] ?? null });
      }
      if (options.repair === 'remote' && !run.dryRun) {
        const envelope = newChangeEnvelope({
          kind: 'updated',
          catalog: CUSTOMER_CATALOG,
          entityId: customer.id,
          version: customer.version,
          origin: ORIGIN_LOCAL,
          occurredAt: customer.updatedAt,
          data: customerSnapshotOf(customer),
          resyncFor: integration,
        });
        await deps.bus.publish(deps.bulkChangesTopic, [{ key: customer.id, value: JSON.stringify(envelope), headers: { 'event-id': envelope.id } }]);
        report.repaired += 1;
      }
    }
    cursor = page.next;
    const goOn = await ctx.checkpoint({ cursor: null, counts: { seen: page.items.length, updated: options.repair === 'remote' && !run.dryRun ? drifted : 0 }, report });
    if (!page.next || !goOn) break;
  }
  if (cursor !== null) return; // stopped midway: the next claim lists again
  // Links of live customers whose remote object was not listed.
  const linked = await deps.prisma.$queryRaw<Array<{ local_id: string; remote_id: string }>>`
    SELECT m.local_id::text, m.remote_id FROM id_mapping m JOIN customer c ON c.id = m.local_id AND c.deleted_at IS NULL
     WHERE m.catalog = ${run.catalog} AND m.remote_system = ${integration} AND m.remote_id IS NOT NULL
       AND (${since ?? null}::timestamptz IS NULL OR m.created_at >= ${since ?? null}::timestamptz)`;
  for (const row of linked) {
    if (seenRemote.has(row.remote_id)) continue;
    report.localOrphans.count += 1;
    if (report.localOrphans.sample.length < SAMPLE_SIZE) report.localOrphans.sample.push({ customerId: row.local_id, remoteId: row.remote_id });
  }
  log.info({ runId: run.id, driftedPairs: report.driftedPairs, driftByField: report.driftByField, remoteOrphans: report.remoteOrphans.count, localOrphans: report.localOrphans.count }, 'reconcile done');
  await ctx.checkpoint({ cursor: null, report });
}
