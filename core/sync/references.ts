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

/**
 * `fields` read from the remote side with each reference's remote id replaced by the local id; a
 * reference to a remote object that is linked to nothing here is left out (not carried).
 */
export async function toLocalTerms<C extends CatalogName>(tx: Tx, catalog: C, remoteSystem: string, fields: Partial<SyncedOf<C>>): Promise<Partial<SyncedOf<C>>> {
  const translated: Record<string, unknown> = { ...fields };
  for (const [field, target] of Object.entries(catalogOf(catalog).references) as Array<[string, string]>) {
    const remoteId = translated[field];
    if (typeof remoteId !== 'string') continue;
    const localId = await localIdOfRemote(tx, target, remoteSystem, remoteId);
    if (localId) translated[field] = localId;
    else delete translated[field];
  }
  return translated as Partial<SyncedOf<C>>;
}
