import { z } from 'zod';
import { catalogNames, catalogs, type CatalogName, type SyncedOf } from '../catalogs/index.js';

// A remote object's state, read by an adapter and published on the inbound topic for the gateway to
// merge into the catalog. In the catalog's own vocabulary (its contract, core/catalogs/): no remote types.

const inboundFields = {
  /** The remote event's id (e.g. a Stripe event id): the gateway applies each id once. */
  id: z.string().min(1),
  integration: z.string().min(1),
  /** `deleted` when the remote object no longer exists; otherwise what the event said. */
  kind: z.enum(['created', 'updated', 'deleted']),
  remoteId: z.string().min(1),
  /** The local id the remote object carries (e.g. Stripe metadata.local_id), if any. */
  localId: z.uuid().optional(),
  /** When the change happened remotely (the remote event's own time). */
  occurredAt: z.iso.datetime({ offset: true }),
  /**
   * Sync mark taken under the remote object's lock just before it was read (a decimal bigint):
   * orders this snapshot against other snapshots and against our own writes to the object.
   */
  mark: z.string().regex(/^\d+$/),
  /** The remote account and mode the object belongs to. */
  remoteAccount: z.string().min(1),
  remoteMode: z.enum(['emulator', 'test', 'live']),
  /**
   * Set by a reconcile run (README: Operations), never by a webhook: `repair` settles every field on
   * which the two sides differ (core/sync/drift-repair.ts) instead of merging against the base, with
   * the remote object's last change time when it is known; `orphan: 'unlink'` with a `deleted` kind
   * means the remote object vanished unseen, so the pair is unlinked and the entity exported again
   * rather than deleted.
   */
  reconcile: z
    .object({
      repair: z.enum(['local', 'latest']).optional(),
      /** The local version the run compared: a pair changed locally since is merged as a live change, not repaired. */
      localVersion: z.number().int().nonnegative().optional(),
      remoteChangedAt: z.iso.datetime({ offset: true }).optional(),
      orphan: z.literal('unlink').optional(),
    })
    .optional(),
};

function inboundOf<C extends CatalogName>(catalog: C) {
  return z.object({
    ...inboundFields,
    catalog: z.literal(catalog),
    /**
     * The remote object's synced fields as read at `mark` (absent for deletes). Only the fields the
     * integration carries are present: a field it does not sync is never taken as cleared.
     * Reference fields hold local ids (the integrations core translated them).
     */
    data: (catalogs[catalog].carriedSchema as z.ZodType<Partial<SyncedOf<C>>>).optional(),
    /**
     * References whose target was linked to nothing when the object was read (field -> remote id):
     * left out of `data`, translated by the gateway when it applies the change (core/sync/references.ts).
     */
    remoteReferences: z.record(z.string(), z.string().min(1)).optional(),
  });
}

const [firstCatalog, ...otherCatalogs] = catalogNames;
export const inboundChangeSchema = z.discriminatedUnion('catalog', [inboundOf(firstCatalog!), ...otherCatalogs.map(inboundOf)]);

export type InboundChangeOf<C extends CatalogName> = z.infer<z.ZodObject<typeof inboundFields>> & { catalog: C; data?: Partial<SyncedOf<C>>; remoteReferences?: Record<string, string> };
export type InboundChange = { [C in CatalogName]: InboundChangeOf<C> }[CatalogName];

export function parseInboundChange(value: string): InboundChange {
  return inboundChangeSchema.parse(JSON.parse(value)) as InboundChange;
}
