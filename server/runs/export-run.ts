import type { SyncRun } from '../../core/db/generated/client.js';
import { getLogger } from '../../core/logger.js';
import type { RunContext } from '../../core/runs/run-executor.js';
import type { CustomerStore } from '../catalog/customers/customer-store.js';
import { NotFoundError } from '../errors.js';

const log = getLogger('runs.export');
const PAGE_SIZE = 100;

/**
 * Export: every live customer with no link to the integration gets a resync event on the bulk
 * changes topic (`bulkStore` writes there), which the integration's bulk consumer group sends
 * through the live outbound code (create with the local id's Idempotency-Key, so a customer
 * exported twice is still one remote object) at the bulk budget's rate. Pages by id; the cursor is
 * the last id done. `since` limits it to customers created since then.
 */
export async function runExport(bulkStore: CustomerStore, run: SyncRun, ctx: RunContext): Promise<void> {
  const options = run.options as { since?: string };
  const since = options.since ? new Date(options.since) : null;
  let cursor = run.cursor;
  for (;;) {
    const page = await bulkStore.prisma.$queryRaw<Array<{ id: string }>>`
      SELECT c.id::text FROM customer c
       WHERE c.deleted_at IS NULL AND (${cursor}::uuid IS NULL OR c.id > ${cursor}::uuid)
         AND (${since}::timestamptz IS NULL OR c.created_at >= ${since}::timestamptz)
         AND NOT EXISTS (SELECT 1 FROM id_mapping m WHERE m.catalog = 'customer' AND m.local_id = c.id
                           AND m.remote_system = ${run.integration} AND m.remote_id IS NOT NULL)
       ORDER BY c.id LIMIT ${PAGE_SIZE}`;
    let created = 0;
    let skipped = 0;
    for (const { id } of page) {
      if (run.dryRun) {
        created += 1;
        continue;
      }
      try {
        await bulkStore.resync(id, run.integration);
        created += 1;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        skipped += 1; // deleted meanwhile
      }
    }
    cursor = page.at(-1)?.id ?? cursor;
    log.debug({ runId: run.id, cursor, count: page.length }, 'export page queued');
    const goOn = await ctx.checkpoint({ cursor, counts: { seen: page.length, created, skipped } });
    if (page.length < PAGE_SIZE || !goOn) return;
  }
}
