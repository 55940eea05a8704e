import type { CatalogName, FlatFields, SyncedOf } from '../../core/catalogs/index.js';
import type { InboundChangeOf } from '../../core/events/inbound-change.js';
import type { ConflictPolicy } from '../../core/sync/merge.js';
import type { InboundOutcome } from './apply-inbound.js';
import type { Tx } from '../../core/sync/link-store.js';

/** Who made a change: `local` (GraphQL) or an integration, and the event that caused it. */
export interface ChangeSource {
  origin: string;
  causationId?: string;
}

/** What the generic inbound merge needs to know of a local entity. */
export interface EntityView<C extends CatalogName> {
  id: string;
  version: number;
  deleted: boolean;
  /** When it last changed locally (commit time): settles `latest` conflicts. */
  changedAt: Date;
  synced: SyncedOf<C>;
}

/**
 * How the inbound merge (server/catalog/apply-inbound.ts) reads, locks and writes one catalog's
 * entities. Each catalog's store provides one; every write goes through the store's own write path
 * (row, version and outbox event in the caller's transaction).
 */
export interface InboundPort<C extends CatalogName, Entity> {
  catalog: C;
  /** Runs `work` in a transaction, turning the catalog's own constraint violations into typed errors. */
  inTransaction<T>(work: (tx: Tx) => Promise<T>, change: InboundChangeOf<C>): Promise<T>;
  /** The entity under its row lock (null if there is none; deleted ones too). */
  lock(tx: Tx, id: string): Promise<Entity | null>;
  view(entity: Entity): EntityView<C>;
  /**
   * A live local entity a new remote object is the same as by a natural key (customers: email), and
   * that key's field name; absent when the catalog has none.
   */
  naturalMatch?: { field: string; find(tx: Tx, remote: Partial<SyncedOf<C>>): Promise<Entity | null> };
  /** Creates the entity from a remote object's fields (validated like client input). */
  create(tx: Tx, remote: Partial<SyncedOf<C>>, source: ChangeSource): Promise<Entity>;
  /** Applies a patch of flat fields (validated like client input). */
  update(tx: Tx, entity: Entity, patch: FlatFields, source: ChangeSource): Promise<Entity>;
  delete(tx: Tx, entity: Entity, source: ChangeSource): Promise<Entity>;
  /** Re-publishes the entity's current state for one integration. */
  resync(tx: Tx, id: string, integration: string): Promise<unknown>;
}

/** Per catalog, how the gateway merges a remote snapshot of it (built from its port with inboundApplier). */
export type InboundAppliers = {
  [C in CatalogName]?: (change: InboundChangeOf<C>, options: { policy: ConflictPolicy }) => Promise<InboundOutcome>;
};

export function applierOf<C extends CatalogName>(
  appliers: InboundAppliers,
  catalog: C,
): ((change: InboundChangeOf<C>, options: { policy: ConflictPolicy }) => Promise<InboundOutcome>) | undefined {
  return appliers[catalog];
}
