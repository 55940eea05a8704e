import { Prisma, type PrismaClient } from '../db/prisma.js';
import { parseChangeEnvelope, type ChangeEnvelope } from '../events/envelope.js';
import type { LinkKey } from './link-store.js';

// Transient failures retry without limit, but never by holding up a partition: the failing pair is
// parked (status RETRYING, its newest change kept in id_mapping.parked_change) and a scheduler
// retries it with capped backoff. Changes for a parked pair join it instead of overtaking it.

/** Backoff between attempts: doubling from 1 s, capped at 30 s, with jitter; Retry-After wins when longer. */
export function retryDelayMs(attempts: number, retryAfterMs?: number): number {
  const backoff = Math.min(30_000, 1_000 * 2 ** Math.max(0, attempts - 1));
  const jittered = backoff / 2 + Math.random() * (backoff / 2);
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, 5 * 60_000));
}

/** Parks the pair with `change` (kept if newer than what is parked), its error and when to retry. */
export async function park(prisma: PrismaClient, key: LinkKey, change: ChangeEnvelope, failure: { error: string; attempts: number; retryAfterMs?: number }): Promise<Date> {
  const nextAttemptAt = new Date(Date.now() + retryDelayMs(failure.attempts, failure.retryAfterMs));
  const envelope = JSON.stringify(change);
  // One statement, so a change parked concurrently by the consumer is never overwritten by an older one.
  await prisma.$executeRaw`
    INSERT INTO id_mapping (id, catalog, local_id, remote_system, status, parked_change, next_attempt_at, last_error, attempts, updated_at)
    VALUES (gen_random_uuid(), ${key.catalog}, ${key.localId}::uuid, ${key.remoteSystem}, 'RETRYING', ${envelope}::jsonb, ${nextAttemptAt}, ${failure.error}, ${failure.attempts}, now())
    ON CONFLICT (catalog, local_id, remote_system) DO UPDATE SET
      status = 'RETRYING',
      parked_change = CASE
        WHEN id_mapping.parked_change IS NULL OR (id_mapping.parked_change->>'version')::int <= ${change.version} THEN EXCLUDED.parked_change
        ELSE id_mapping.parked_change END,
      next_attempt_at = EXCLUDED.next_attempt_at,
      last_error = EXCLUDED.last_error,
      attempts = EXCLUDED.attempts,
      updated_at = now()`;
  return nextAttemptAt;
}

/** If the pair is parked, `change` joins it (replacing an older parked change) and true is returned. */
export async function joinParked(prisma: PrismaClient, key: LinkKey, change: ChangeEnvelope): Promise<boolean> {
  const joined = await prisma.$executeRaw`
    UPDATE id_mapping SET
      parked_change = CASE WHEN (parked_change->>'version')::int <= ${change.version} THEN ${JSON.stringify(change)}::jsonb ELSE parked_change END,
      updated_at = now()
    WHERE catalog = ${key.catalog} AND local_id = ${key.localId}::uuid AND remote_system = ${key.remoteSystem} AND status = 'RETRYING'`;
  return joined > 0;
}

export interface DueChange {
  key: LinkKey;
  change: ChangeEnvelope;
  attempts: number;
}

/**
 * Claims parked pairs whose retry is due (pushing their next attempt out by `leaseMs`, so two
 * schedulers never run the same one at once).
 */
export async function claimDue(prisma: PrismaClient, remoteSystem: string, limit: number, leaseMs: number): Promise<DueChange[]> {
  const rows = await prisma.$queryRaw<Array<{ catalog: string; local_id: string; parked_change: unknown; attempts: number }>>`
    UPDATE id_mapping SET next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE id IN (
      SELECT id FROM id_mapping
      WHERE remote_system = ${remoteSystem} AND status = 'RETRYING' AND next_attempt_at <= now() AND parked_change IS NOT NULL
      ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING catalog, local_id::text, parked_change, attempts`;
  return rows.map((row) => ({
    key: { catalog: row.catalog, localId: row.local_id, remoteSystem },
    change: parseChangeEnvelope(JSON.stringify(row.parked_change)),
    attempts: row.attempts,
  }));
}

/**
 * After the parked change `changeId` went through: unparks the pair, unless a newer change joined
 * meanwhile, which is then due at once. Run in the transaction that recorded the success, so nobody
 * sees the pair SYNCED and parked at once. A pair with nothing parked is left as it is.
 */
export async function unpark(prisma: Prisma.TransactionClient, key: LinkKey, changeId: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE id_mapping SET
      status = CASE WHEN parked_change->>'id' = ${changeId} THEN status ELSE 'RETRYING'::sync_status END,
      next_attempt_at = CASE WHEN parked_change->>'id' = ${changeId} THEN NULL ELSE now() END,
      parked_change = CASE WHEN parked_change->>'id' = ${changeId} THEN NULL ELSE parked_change END
    WHERE catalog = ${key.catalog} AND local_id = ${key.localId}::uuid AND remote_system = ${key.remoteSystem} AND parked_change IS NOT NULL`;
}

/** Drops whatever is parked (the pair failed for good, or a resync replaces it). */
export async function clearParked(prisma: PrismaClient, key: LinkKey): Promise<void> {
  await prisma.idMapping.updateMany({ where: key, data: { parkedChange: Prisma.DbNull, nextAttemptAt: null } });
}

