import { randomUUID } from 'node:crypto';
import { z } from 'zod';

// Status of every sync step, published on the sync-events topic and streamed to GraphQL clients.

export const syncEventTypes = [
  'LOCAL_CHANGE_PUBLISHED',
  'OUTBOUND_SYNCED',
  'OUTBOUND_RETRYING',
  'OUTBOUND_FAILED',
  'INBOUND_RECEIVED',
  'INBOUND_APPLIED',
  'ECHO_SUPPRESSED',
  'DEAD_LETTERED',
  'CONFLICT_DETECTED',
  'CONFLICT_RESOLVED',
  /** A backfill or reconcile run's counts, about once a second while it runs (entityId: the run id). */
  'SYNC_RUN_PROGRESS',
] as const;

export const syncEventSchema = z.object({
  id: z.uuid(),
  type: z.enum(syncEventTypes),
  catalog: z.string().min(1),
  /** The local entity (customer id), when known. */
  entityId: z.string().min(1).optional(),
  integration: z.string().min(1).optional(),
  remoteId: z.string().min(1).optional(),
  status: z.enum(['PENDING', 'SYNCED', 'RETRYING', 'FAILED']).optional(),
  message: z.string().optional(),
  /** The change event or remote event this is about. */
  causationId: z.string().min(1).optional(),
  occurredAt: z.iso.datetime({ offset: true }),
});

export type SyncEvent = z.infer<typeof syncEventSchema>;
export type SyncEventType = SyncEvent['type'];

export function newSyncEvent(fields: Omit<SyncEvent, 'id' | 'occurredAt'>): SyncEvent {
  return { id: randomUUID(), occurredAt: new Date().toISOString(), ...fields };
}

export function parseSyncEvent(value: string): SyncEvent {
  return syncEventSchema.parse(JSON.parse(value));
}
