import { z } from 'zod';
import { syncedCustomerSchema } from '../catalogs/customer.js';

// A remote object's state, read by an adapter and published on the inbound topic for the gateway to
// merge into the catalog. In the catalog's own vocabulary: no remote types.

export const inboundChangeSchema = z.object({
  /** The remote event's id (e.g. a Stripe event id): the gateway applies each id once. */
  id: z.string().min(1),
  integration: z.string().min(1),
  catalog: z.string().min(1),
  /** `deleted` when the remote object no longer exists; otherwise what the event said. */
  kind: z.enum(['created', 'updated', 'deleted']),
  remoteId: z.string().min(1),
  /** The local id the remote object carries (e.g. Stripe metadata.local_id), if any. */
  localId: z.uuid().optional(),
  /** When the change happened remotely (the remote event's time). */
  occurredAt: z.iso.datetime({ offset: true }),
  /** The remote object's synced fields as read at `mark` (absent for deletes). */
  data: syncedCustomerSchema.optional(),
  /**
   * Sync mark taken under the remote object's lock just before it was read (a decimal bigint):
   * orders this snapshot against other snapshots and against our own writes to the object.
   */
  mark: z.string().regex(/^\d+$/),
  /** The remote account and mode the object belongs to. */
  remoteAccount: z.string().min(1),
  remoteMode: z.enum(['emulator', 'test', 'live']),
});

export type InboundChange = z.infer<typeof inboundChangeSchema>;

export function parseInboundChange(value: string): InboundChange {
  return inboundChangeSchema.parse(JSON.parse(value));
}
