import { z } from 'zod';

// A change that happened in a remote system, in the catalog's own vocabulary: what an adapter's
// webhook translation publishes on the inbound topic and the gateway applies. No remote types.

export const inboundChangeSchema = z.object({
  /** The remote event's id (e.g. a Stripe event id): the gateway applies each id once. */
  id: z.string().min(1),
  integration: z.string().min(1),
  catalog: z.string().min(1),
  kind: z.enum(['created', 'updated', 'deleted']),
  remoteId: z.string().min(1),
  /** The local id when the remote object carries or maps to one. */
  localId: z.uuid().optional(),
  /** When the change happened remotely. */
  occurredAt: z.iso.datetime({ offset: true }),
  /** The entity's fields as the catalog names them (absent for deletes). */
  data: z.record(z.string(), z.unknown()).optional(),
  /** The adapter's hash of the mapped fields, recorded as the mapping's last synced hash. */
  hash: z.string().min(1).optional(),
});

export type InboundChange = z.infer<typeof inboundChangeSchema>;

export function parseInboundChange(value: string): InboundChange {
  return inboundChangeSchema.parse(JSON.parse(value));
}
