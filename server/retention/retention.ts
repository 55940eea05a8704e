import type pg from 'pg';
import { getLogger } from '../../core/logger.js';
import { erasableCustomerColumns } from '../catalog/customers/customer-columns.js';

const log = getLogger('retention');

export interface PruneCounts {
  processedEvents: number;
  conflicts: number;
  tombstones: number;
  deadLetters: number;
}

/**
 * Prunes what the sync keeps about people past `days`: processed event ids, conflicts (each is
 * resolved when recorded), the personal fields of tombstones deleted that long ago (the tombstone
 * itself stays, so a late remote update cannot resurrect it), and dead-letter details (the error
 * and parked change of pairs FAILED that long). Idempotent; one statement per table.
 */
export async function pruneRetention(pool: pg.Pool, days: number): Promise<PruneCounts> {
  const cutoff = `${days} days`;
  const processed = await pool.query(`DELETE FROM processed_event WHERE processed_at < now() - $1::interval`, [cutoff]);
  const conflicts = await pool.query(`DELETE FROM sync_conflict WHERE created_at < now() - $1::interval`, [cutoff]);
  const tombstones = await pool.query(
    `UPDATE customer SET email = 'erased-' || id || '@erased.invalid', ${erasableCustomerColumns().map((column) => `${column.column} = NULL`).join(', ')}
      WHERE deleted_at < now() - $1::interval AND email NOT LIKE 'erased-%@erased.invalid'`,
    [cutoff],
  );
  const deadLetters = await pool.query(
    `UPDATE id_mapping SET last_error = NULL, parked_change = NULL, pending_request = NULL
      WHERE status = 'FAILED' AND updated_at < now() - $1::interval AND (last_error IS NOT NULL OR parked_change IS NOT NULL OR pending_request IS NOT NULL)`,
    [cutoff],
  );
  const counts = { processedEvents: processed.rowCount ?? 0, conflicts: conflicts.rowCount ?? 0, tombstones: tombstones.rowCount ?? 0, deadLetters: deadLetters.rowCount ?? 0 };
  if (Object.values(counts).some((count) => count > 0)) log.info({ days, ...counts }, 'retention: pruned');
  return counts;
}

/** Prunes once at start and then every hour; 0 days turns it off. */
export function startRetention(pool: pg.Pool, days: number, everyMs = 3_600_000): () => void {
  if (days <= 0) return () => {};
  const run = () => void pruneRetention(pool, days).catch((error: unknown) => log.warn({ err: error }, 'retention: prune failed; next hour again'));
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
