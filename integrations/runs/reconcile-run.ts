import type { PrismaClient } from '../../core/db/prisma.js';
import type { Customer, SyncRun } from '../../core/db/generated/client.js';
import { CUSTOMER_CATALOG, customerSnapshotOf, flattenCustomer, syncedCustomerOf } from '../../core/catalogs/customer.js';
import { newChangeEnvelope, ORIGIN_LOCAL } from '../../core/events/envelope.js';
import type { InboundChange } from '../../core/events/inbound-change.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';
import type { RunContext } from '../../core/runs/run-executor.js';
import { decideDriftRepair, needsRemoteTime, type RepairDirection, type RepairReason } from '../../core/sync/drift-repair.js';
import { baseOf, type Link, type RemoteAccount } from '../../core/sync/link-store.js';
import { diffFields } from '../../core/sync/merge.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { readRemoteSnapshot } from '../sync/remote-snapshot.js';
import { deleteRemoteOrphan } from './remote-orphans.js';

const log = getLogger('runs.reconcile');
const PAGE_SIZE = 100;
const SAMPLE_SIZE = 20;
/** How far back the remote event list goes (Stripe keeps events 30 days). */
const EVENT_RETENTION_MS = 30 * 24 * 3600_000;

export interface ReconcileRunDeps {
  prisma: PrismaClient;
  bus: MessageBus;
  /** The adapter as bulk work (asBulkAdapter): every remote call takes only what live changes leave of the budget. */
  adapter: ResolvedAdapter;
  account: RemoteAccount;
  /** The bulk changes topic: a resync event there goes through the live outbound code at bulk priority. */
  bulkChangesTopic: string;
  /** The bulk inbound topic: a repair or unlink snapshot there is applied by the gateway's inbound merge. */
  bulkInboundTopic: string;
}

export interface ReconcileOptions {
  repair?: RepairDirection;
  since?: string;
  deleteOrphans?: boolean;
}

export interface DriftSample {
  customerId: string;
  remoteId: string;
  field: string;
  local: unknown;
  remote: unknown;
  /** With --repair: the side whose value both keep, and why (core/sync/drift-repair.ts). */
  winner?: 'local' | 'remote';
  reason?: RepairReason;
}

/**
 * Why a remote object is an orphan. `deleted-locally`: linked to (or tagged with the id of) a
 * deleted local customer, so its delete never reached the remote side; --delete-orphans deletes it
 * there. `unknown-local-id`: tagged with a local id this catalog never had (another database, or a
 * backup restored from before it was created); `unlinked`: linked to nothing and not tagged with a
 * deleted customer (created remotely, or a live customer's duplicate). Those two may be the only
 * copy of someone's data: they are left for `backfill --direction import` to adopt, never deleted.
 */
export type RemoteOrphanReason = 'deleted-locally' | 'unknown-local-id' | 'unlinked';

export interface ReconcileReport {
  /** Linked pairs whose local and remote values differ, per field. */
  driftByField: Record<string, number>;
  driftedPairs: number;
  sample: DriftSample[];
  /** With --repair: the plan (a dry run) or what was queued: fields each side takes, per reason. */
  repair: { direction: RepairDirection; localTakesRemote: number; remoteTakesLocal: number; byReason: Partial<Record<RepairReason, number>> } | null;
  /** Remote objects linked to no live local customer. */
  remoteOrphans: {
    count: number;
    byReason: Partial<Record<RemoteOrphanReason, number>>;
    sample: Array<{ remoteId: string; localId: string | null; reason: RemoteOrphanReason; action: 'delete-remote' | 'none' }>;
  };
  /** Live local customers whose linked remote object is gone (confirmed by reading it). */
  localOrphans: { count: number; sample: Array<{ customerId: string; remoteId: string; action: 'unlink-and-export' | 'none' }> };
  /** Pairs a repair was queued for. */
  repaired: number;
  /** With --delete-orphans (not a dry run): remote objects deleted, local customers unlinked and queued for export. */
  orphansRemoved: { remote: number; local: number };
}

/**
 * Reconcile: lists every remote object (as bulk work) and compares each linked pair field by field
 * with the live catalog, reporting drift per field with a sample, and orphans on both sides.
 *
 * Repairs (not in a dry run, which reports the plan): `remote` queues a resync event per drifted
 * pair on the bulk changes topic (the live outbound code sends every local field). `local` and
 * `latest` re-read each drifted remote object under its lock (as a webhook's snapshot is read) and
 * publish it on the bulk inbound topic marked as a repair: the gateway applies it through the live
 * inbound merge, which settles each differing field by the repair's rule with the values as they
 * are then, records it as a conflict and publishes the sync events. So the gateway stays the only
 * writer of the catalog, and a live edit made meanwhile is judged, not overwritten blindly.
 *
 * With --delete-orphans: a remote orphan of a deleted customer is deleted remotely
 * (remote-orphans.ts); a local orphan is unlinked and exported again, never deleted.
 *
 * The comparison needs the whole listing (local orphans are the links not seen), so a resumed run
 * starts the listing again rather than from a cursor. `since` limits it to remote objects created
 * since then and, for local orphans, to links made since then.
 */
export async function runReconcile(deps: ReconcileRunDeps, run: SyncRun, ctx: RunContext): Promise<void> {
  const listPage = deps.adapter.instance.bulk?.listPage;
  if (!listPage) throw new Error(`integration ${deps.adapter.name} cannot list remote objects`);
  const options = run.options as ReconcileOptions;
  const since = options.since ? new Date(options.since) : undefined;
  const act = !run.dryRun;
  const integration = deps.adapter.name;
  const report: ReconcileReport = {
    driftByField: {},
    driftedPairs: 0,
    sample: [],
    repair: options.repair ? { direction: options.repair, localTakesRemote: 0, remoteTakesLocal: 0, byReason: {} } : null,
    remoteOrphans: { count: 0, byReason: {}, sample: [] },
    localOrphans: { count: 0, sample: [] },
    repaired: 0,
    orphansRemoved: { remote: 0, local: 0 },
  };
  const remoteTimes = remoteChangeTimes(deps);
  const seenRemote = new Set<string>();
  let cursor: string | null = null;
  for (;;) {
    const page = await listPage(run.catalog, { cursor, limit: PAGE_SIZE, ...(since ? { since } : {}) });
    const remoteIds = page.items.map((item) => item.remoteId);
    for (const id of remoteIds) seenRemote.add(id);
    const links = await deps.prisma.idMapping.findMany({ where: { catalog: run.catalog, remoteSystem: integration, remoteId: { in: remoteIds } } });
    const linkByRemote = new Map(links.map((link) => [link.remoteId!, link]));
    const localIds = [...links.map((link) => link.localId), ...page.items.flatMap((item) => (item.localId ? [item.localId] : []))];
    // Deleted customers too: a remote object of a tombstone is an orphan to delete.
    const customers = await deps.prisma.customer.findMany({ where: { id: { in: localIds } } });
    const customerById = new Map(customers.map((customer) => [customer.id, customer]));
    let repaired = 0;
    for (const item of page.items) {
      const link = linkByRemote.get(item.remoteId);
      const customer = link ? customerById.get(link.localId) : undefined;
      if (!link || !customer || customer.deletedAt) {
        const localId = link?.localId ?? item.localId ?? null;
        const reason = remoteOrphanReason(localId ? customerById.get(localId) : undefined, localId);
        const remove = reason === 'deleted-locally' && options.deleteOrphans === true;
        report.remoteOrphans.count += 1;
        report.remoteOrphans.byReason[reason] = (report.remoteOrphans.byReason[reason] ?? 0) + 1;
        if (report.remoteOrphans.sample.length < SAMPLE_SIZE) report.remoteOrphans.sample.push({ remoteId: item.remoteId, localId, reason, action: remove ? 'delete-remote' : 'none' });
        if (remove && act && localId && (await deleteRemoteOrphan(deps, CUSTOMER_CATALOG, item.remoteId, localId))) report.orphansRemoved.remote += 1;
        continue;
      }
      const local = flattenCustomer(syncedCustomerOf(customer));
      const remote = flattenCustomer(item.fields);
      const fields = Object.keys(diffFields(local, remote));
      if (fields.length === 0) continue;
      report.driftedPairs += 1;
      for (const field of fields) report.driftByField[field] = (report.driftByField[field] ?? 0) + 1;
      const decisions = options.repair ? await plan(options.repair, link, customer, local, remote, remoteTimes) : null;
      for (const field of fields) {
        if (report.sample.length >= SAMPLE_SIZE) break;
        const decision = decisions?.decisions.find((candidate) => candidate.field === field);
        report.sample.push({
          customerId: customer.id,
          remoteId: item.remoteId,
          field,
          local: local[field] ?? null,
          remote: remote[field] ?? null,
          ...(decision ? { winner: decision.winner, reason: decision.reason } : {}),
        });
      }
      if (decisions && report.repair) {
        for (const decision of decisions.decisions) {
          if (decision.winner === 'remote') report.repair.localTakesRemote += 1;
          else report.repair.remoteTakesLocal += 1;
          report.repair.byReason[decision.reason] = (report.repair.byReason[decision.reason] ?? 0) + 1;
        }
      }
      if (!act || !options.repair) continue;
      if (options.repair === 'remote') await queueResync(deps, customer);
      else if (!(await queueRepair(deps, run, item.remoteId, options.repair, customer.version, decisions?.remoteChangedAt ?? null))) continue;
      repaired += 1;
      report.repaired += 1;
    }
    cursor = page.next;
    const goOn = await ctx.checkpoint({ cursor: null, counts: { seen: page.items.length, updated: repaired }, report });
    if (!page.next || !goOn) break;
  }
  if (cursor !== null) return; // stopped midway: the next claim lists again
  await findLocalOrphans(deps, run, seenRemote, since, options.deleteOrphans === true, report);
  log.info(
    { runId: run.id, dryRun: run.dryRun, repair: options.repair ?? null, driftedPairs: report.driftedPairs, driftByField: report.driftByField, repaired: report.repaired, remoteOrphans: report.remoteOrphans.byReason, localOrphans: report.localOrphans.count, orphansRemoved: report.orphansRemoved },
    'reconcile done',
  );
  await ctx.checkpoint({ cursor: null, pages: 0, report });
}

function remoteOrphanReason(customer: Customer | undefined, localId: string | null): RemoteOrphanReason {
  if (customer?.deletedAt) return 'deleted-locally';
  if (localId && !customer) return 'unknown-local-id';
  return 'unlinked';
}

/** The repair's decisions for one drifted pair; for `latest`, with the remote change time read only when a field needs it. */
async function plan(direction: RepairDirection, link: Link, customer: Customer, local: ReturnType<typeof flattenCustomer>, remote: ReturnType<typeof flattenCustomer>, remoteTimes: RemoteChangeTimes) {
  const base = link.base === null ? null : baseOf(link);
  const known = { base, local, remote, localChangedAt: customer.updatedAt };
  const remoteChangedAt = direction === 'latest' && needsRemoteTime(known) ? await remoteTimes(link.remoteId!) : null;
  return { decisions: decideDriftRepair({ ...known, direction, remoteChangedAt }), remoteChangedAt };
}

/** `remote`: a resync event on the bulk changes topic, so the live outbound code sends every local field. */
async function queueResync(deps: ReconcileRunDeps, customer: Customer): Promise<void> {
  const envelope = newChangeEnvelope({
    kind: 'updated',
    catalog: CUSTOMER_CATALOG,
    entityId: customer.id,
    version: customer.version,
    origin: ORIGIN_LOCAL,
    occurredAt: customer.updatedAt,
    data: customerSnapshotOf(customer),
    resyncFor: deps.adapter.name,
  });
  await deps.bus.publish(deps.bulkChangesTopic, [{ key: customer.id, value: JSON.stringify(envelope), headers: { 'event-id': envelope.id } }]);
}

/**
 * `local` / `latest`: the remote object read again under its lock (with a fresh sync mark), marked
 * as a repair, on the bulk inbound topic. False when it has vanished meanwhile (an orphan now).
 */
async function queueRepair(deps: ReconcileRunDeps, run: SyncRun, remoteId: string, repair: 'local' | 'latest', localVersion: number, remoteChangedAt: Date | null): Promise<boolean> {
  const snapshot = await readRemoteSnapshot(deps.prisma, deps.adapter, deps.account, {
    eventId: `reconcile:${run.id}:${remoteId}`,
    catalog: CUSTOMER_CATALOG,
    remoteId,
    kind: 'updated',
    occurredAt: remoteChangedAt ?? new Date(),
  });
  if (snapshot.kind === 'deleted') return false;
  await publishInbound(deps, { ...snapshot, reconcile: { repair, localVersion, ...(remoteChangedAt ? { remoteChangedAt: remoteChangedAt.toISOString() } : {}) } });
  return true;
}

async function publishInbound(deps: ReconcileRunDeps, change: InboundChange): Promise<void> {
  await deps.bus.publish(deps.bulkInboundTopic, [{ key: change.remoteId, value: JSON.stringify(change), headers: { 'event-id': change.id } }]);
}

/**
 * Links of live customers whose remote object was not listed, each confirmed gone by reading it
 * (a listing limited by `since` misses older objects linked since). With --delete-orphans the
 * confirming read is the snapshot (under the object's lock) that the gateway applies as an unlink.
 */
async function findLocalOrphans(deps: ReconcileRunDeps, run: SyncRun, seenRemote: Set<string>, since: Date | undefined, deleteOrphans: boolean, report: ReconcileReport): Promise<void> {
  const fetch = deps.adapter.instance.catalogs.customer?.fetch;
  const linked = await deps.prisma.$queryRaw<Array<{ local_id: string; remote_id: string }>>`
    SELECT m.local_id::text, m.remote_id FROM id_mapping m JOIN customer c ON c.id = m.local_id AND c.deleted_at IS NULL
     WHERE m.catalog = ${run.catalog} AND m.remote_system = ${deps.adapter.name} AND m.remote_id IS NOT NULL AND m.base IS NOT NULL
       AND (${since ?? null}::timestamptz IS NULL OR m.created_at >= ${since ?? null}::timestamptz)`;
  for (const row of linked) {
    if (seenRemote.has(row.remote_id)) continue;
    if (fetch && (await fetch(row.remote_id)).exists) continue;
    const remove = deleteOrphans;
    report.localOrphans.count += 1;
    if (report.localOrphans.sample.length < SAMPLE_SIZE) report.localOrphans.sample.push({ customerId: row.local_id, remoteId: row.remote_id, action: remove ? 'unlink-and-export' : 'none' });
    if (!remove || run.dryRun) continue;
    const snapshot = await readRemoteSnapshot(deps.prisma, deps.adapter, deps.account, {
      eventId: `reconcile:${run.id}:orphan:${row.remote_id}`,
      catalog: CUSTOMER_CATALOG,
      remoteId: row.remote_id,
      kind: 'deleted',
      occurredAt: new Date(),
    });
    if (snapshot.kind !== 'deleted') continue; // it is back (or was never gone): nothing to unlink
    await publishInbound(deps, { ...snapshot, reconcile: { orphan: 'unlink' } });
    report.orphansRemoved.local += 1;
  }
}

type RemoteChangeTimes = (remoteId: string) => Promise<Date | null>;

/**
 * The time of each remote object's newest event, from the remote event list (the catch-up's
 * reader, as bulk work), read once per run and only if a repair needs it. Null for an object with
 * no event in the list's retention (Stripe: 30 days).
 */
function remoteChangeTimes(deps: ReconcileRunDeps): RemoteChangeTimes {
  let times: Promise<Map<string, Date>> | undefined;
  const load = async () => {
    const listEvents = deps.adapter.instance.catchUp?.listEvents;
    const newest = new Map<string, Date>();
    if (!listEvents) return newest;
    for (const event of await listEvents(new Date(Date.now() - EVENT_RETENTION_MS))) {
      for (const change of event.changes) {
        if (change.catalog !== CUSTOMER_CATALOG) continue;
        const known = newest.get(change.remoteId);
        if (!known || change.occurredAt > known) newest.set(change.remoteId, change.occurredAt);
      }
    }
    return newest;
  };
  return async (remoteId) => (await (times ??= load())).get(remoteId) ?? null;
}
