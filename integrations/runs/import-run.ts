import type { PrismaClient } from '../../core/db/prisma.js';
import type { SyncRun } from '../../core/db/generated/client.js';
import { flattenCustomer } from '../../core/catalogs/customer.js';
import type { InboundChange } from '../../core/events/inbound-change.js';
import type { MessageBus } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';
import type { RunContext, RunCounts } from '../../core/runs/run-executor.js';
import { diffFields } from '../../core/sync/merge.js';
import { baseOf, nextMark, type RemoteAccount } from '../../core/sync/link-store.js';
import type { RemotePage } from '../registry/adapter.js';
import type { ResolvedAdapter } from '../registry/registry.js';

const log = getLogger('runs.import');
export const IMPORT_PAGE_SIZE = 100;

export interface ImportRunDeps {
  prisma: PrismaClient;
  bus: MessageBus;
  /** The adapter as bulk work (asBulkAdapter): its remote calls take only what live changes leave of the rate budget. */
  adapter: ResolvedAdapter;
  account: RemoteAccount;
  /** The bulk inbound topic: applied by the gateway's bulk consumer group, through the live merge. */
  bulkInboundTopic: string;
}

type Outcome = 'created' | 'linked' | 'updated' | 'skipped';

/**
 * Import: pages through every remote object and publishes each that the catalog lacks or differs
 * from as a snapshot on the bulk inbound topic. The gateway applies it with the same code as a
 * webhook's snapshot (apply-inbound.ts: link by local id, then by email only to an unlinked
 * customer, merge against the base, conflicts), so nothing here writes the catalog. Counts are what
 * each object will do when applied, read from the catalog just before publishing (a dry run stops
 * there). The cursor is the last remote id of the last page published: a resumed run starts after
 * it, and re-published snapshots keep their event id, so the gateway applies each once.
 */
export async function runImport(deps: ImportRunDeps, run: SyncRun, ctx: RunContext): Promise<void> {
  const listPage = deps.adapter.instance.bulk?.listPage;
  if (!listPage) throw new Error(`integration ${deps.adapter.name} cannot list remote objects`);
  const options = run.options as { since?: string };
  const since = options.since ? new Date(options.since) : undefined;
  let cursor = run.cursor;
  for (;;) {
    // The mark precedes the read, as readRemoteSnapshot's does: a snapshot of this page is ordered
    // before any of our later writes. (Without the object lock a concurrent webhook snapshot may
    // be applied out of order; that object's own change event then settles it, as for webhooks.)
    const mark = await deps.prisma.$transaction((tx) => nextMark(tx));
    const page: RemotePage = await listPage(run.catalog, { cursor, limit: IMPORT_PAGE_SIZE, ...(since ? { since } : {}) });
    const outcomes = await classify(deps, page);
    const counts: Partial<RunCounts> = { seen: page.items.length };
    for (const outcome of outcomes.values()) counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (!run.dryRun) {
      const changes = page.items
        .filter((item) => outcomes.get(item.remoteId) !== 'skipped')
        .map((item): InboundChange => ({
          id: `import:${run.id}:${item.remoteId}`,
          integration: deps.adapter.name,
          catalog: 'customer' as const, // import lists customers (the adapter's bulk.listPage)
          kind: 'updated',
          remoteId: item.remoteId,
          ...(item.localId ? { localId: item.localId } : {}),
          occurredAt: new Date().toISOString(),
          data: item.fields,
          mark: mark.toString(),
          remoteAccount: deps.account.account,
          remoteMode: deps.account.mode,
        }));
      if (changes.length > 0) {
        await deps.bus.publish(deps.bulkInboundTopic, changes.map((change) => ({ key: change.remoteId, value: JSON.stringify(change), headers: { 'event-id': change.id } })));
      }
    }
    cursor = page.next ?? (page.items.at(-1)?.remoteId ?? cursor);
    log.debug({ runId: run.id, cursor, ...counts }, 'import page done');
    const goOn = await ctx.checkpoint({ cursor, counts });
    if (!page.next || !goOn) return;
  }
}

/** What applying each object of the page will do, judged from the catalog as it is now. */
async function classify(deps: ImportRunDeps, page: RemotePage): Promise<Map<string, Outcome>> {
  const remoteIds = page.items.map((item) => item.remoteId);
  const localIds = page.items.flatMap((item) => (item.localId ? [item.localId] : []));
  const emails = page.items.flatMap((item) => (item.fields.email ? [item.fields.email] : []));
  const integration = deps.adapter.name;
  const links = await deps.prisma.idMapping.findMany({ where: { remoteSystem: integration, remoteId: { in: remoteIds } } });
  const linkByRemote = new Map(links.map((link) => [link.remoteId!, link]));
  const locals = await deps.prisma.$queryRaw<Array<{ id: string; email: string; linked: boolean }>>`
    SELECT c.id::text, c.email,
           EXISTS (SELECT 1 FROM id_mapping m WHERE m.local_id = c.id AND m.catalog = 'customer'
                     AND m.remote_system = ${integration} AND m.remote_id IS NOT NULL) AS linked
      FROM customer c
     WHERE c.deleted_at IS NULL
       AND (c.id = ANY(${localIds}::uuid[]) OR c.email = ANY(${emails}::text[]))`;
  const byId = new Map(locals.map((local) => [local.id, local]));
  const byEmail = new Map(locals.map((local) => [local.email, local]));
  const outcomes = new Map<string, Outcome>();
  const claimed = new Set<string>();
  for (const item of page.items) {
    const link = linkByRemote.get(item.remoteId);
    if (link) {
      const changed = Object.keys(diffFields(baseOf(link), flattenCustomer(item.fields))).length > 0;
      outcomes.set(item.remoteId, changed ? 'updated' : 'skipped');
      continue;
    }
    const target = (item.localId ? byId.get(item.localId) : undefined) ?? (item.fields.email ? byEmail.get(item.fields.email) : undefined);
    if (target && !target.linked && !claimed.has(target.id)) {
      claimed.add(target.id);
      outcomes.set(item.remoteId, 'linked');
    } else if (target) {
      outcomes.set(item.remoteId, 'skipped'); // its email belongs to a linked customer: DUPLICATE_REMOTE
    } else {
      outcomes.set(item.remoteId, 'created');
    }
  }
  return outcomes;
}
