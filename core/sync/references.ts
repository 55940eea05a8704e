import { catalogOf, type CatalogName, type FlatFields, type SyncedOf } from '../catalogs/index.js';
import { localIdOfRemote, remoteIdOfLocal, type Tx } from './link-store.js';

// Reference fields (an invoice's customerId) hold local ids in the catalog and remote ids at the
// adapter boundary. The core translates them here, through id_mapping, so adapters stay stateless.

/** A reference whose entity has no live link to the remote system yet: worth retrying (it is on its way). */
export class UnlinkedReferenceError extends Error {
  override name = 'UnlinkedReferenceError';
}

/** `fields` with each reference's local id replaced by the remote id; throws UnlinkedReferenceError. */
export async function toRemoteTerms<C extends CatalogName, Fields extends Partial<SyncedOf<C>> | FlatFields>(
  tx: Tx,
  catalog: C,
  remoteSystem: string,
  fields: Fields,
): Promise<Fields> {
  const translated: Record<string, unknown> = { ...fields };
  for (const [field, target] of Object.entries(catalogOf(catalog).references) as Array<[string, string]>) {
    const localId = translated[field];
    if (typeof localId !== 'string') continue;
    const remoteId = await remoteIdOfLocal(tx, { catalog: target, localId, remoteSystem });
    if (!remoteId) throw new UnlinkedReferenceError(`${catalog}.${field}: ${target} ${localId} has no ${remoteSystem} object yet`);
    translated[field] = remoteId;
  }
  return translated as Fields;
}

/** A reference read from the remote side whose target is linked to nothing here (yet). */
export interface PendingReference {
  field: string;
  /** The referenced entity's catalog (e.g. customer for an invoice's customerId). */
  catalog: CatalogName;
  remoteId: string;
}

/**
 * `fields` read from the remote side with each reference's remote id replaced by the local id. A
 * reference to a remote object linked to nothing here is left out of `fields` and returned as
 * pending: the referenced object may be on its way (its own webhook not handled yet).
 */
export async function toLocalTermsWithPending<C extends CatalogName>(
  tx: Tx,
  catalog: C,
  remoteSystem: string,
  fields: Partial<SyncedOf<C>>,
): Promise<{ fields: Partial<SyncedOf<C>>; pending: PendingReference[] }> {
  const translated: Record<string, unknown> = { ...fields };
  const pending: PendingReference[] = [];
  for (const [field, target] of Object.entries(catalogOf(catalog).references) as Array<[string, CatalogName]>) {
    const remoteId = translated[field];
    if (typeof remoteId !== 'string') continue;
    const localId = await localIdOfRemote(tx, target, remoteSystem, remoteId);
    if (localId) translated[field] = localId;
    else {
      delete translated[field];
      pending.push({ field, catalog: target, remoteId });
    }
  }
  return { fields: translated as Partial<SyncedOf<C>>, pending };
}

/** As toLocalTermsWithPending, for a caller that has no use for the pending references. */
export async function toLocalTerms<C extends CatalogName>(tx: Tx, catalog: C, remoteSystem: string, fields: Partial<SyncedOf<C>>): Promise<Partial<SyncedOf<C>>> {
  return (await toLocalTermsWithPending(tx, catalog, remoteSystem, fields)).fields;
}

/**
 * The gateway's half of a pending reference: translated when the change is applied, by then the
 * referenced object's own snapshot (published ahead of it, on the same partition) has linked it.
 * One still unlinked stays out of the data, and the catalog judges the change without it.
 */
export async function resolvePendingReferences<C extends CatalogName>(
  tx: Tx,
  catalog: C,
  remoteSystem: string,
  data: Partial<SyncedOf<C>> | undefined,
  remoteReferences: Record<string, string> | undefined,
): Promise<Partial<SyncedOf<C>> | undefined> {
  if (!data || !remoteReferences) return data;
  const references = catalogOf(catalog).references as Record<string, CatalogName | undefined>;
  const resolved: Record<string, unknown> = { ...data };
  for (const [field, remoteId] of Object.entries(remoteReferences)) {
    const target = references[field];
    if (!target) continue;
    const localId = await localIdOfRemote(tx, target, remoteSystem, remoteId);
    if (localId) resolved[field] = localId;
  }
  return resolved as Partial<SyncedOf<C>>;
}
