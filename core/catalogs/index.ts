import type { CatalogContract } from './contract.js';
import { customerCatalog, type CustomerSnapshot, type SyncedCustomer } from './customer.js';
import { invoiceCatalog, type InvoiceSnapshot, type SyncedInvoice } from './invoice.js';

// The catalog registry: every catalog the sync core knows, by name. Adding one is its contract
// file in this folder and one line in each map below (docs/adding-a-catalog.md).

/** Each catalog's synced shape and snapshot, by name. */
export interface CatalogTypes {
  customer: { synced: SyncedCustomer; snapshot: CustomerSnapshot };
  invoice: { synced: SyncedInvoice; snapshot: InvoiceSnapshot };
}

export type CatalogName = keyof CatalogTypes;
export type SyncedOf<C extends CatalogName> = CatalogTypes[C]['synced'];
export type SnapshotOf<C extends CatalogName> = CatalogTypes[C]['snapshot'];
export type ContractOf<C extends CatalogName> = CatalogContract<C, SyncedOf<C>, SnapshotOf<C>>;

export const catalogs: { [C in CatalogName]: ContractOf<C> } = {
  customer: customerCatalog,
  invoice: invoiceCatalog,
};

export const catalogNames = Object.keys(catalogs) as CatalogName[];

export function catalogOf<C extends CatalogName>(name: C): ContractOf<C> {
  return catalogs[name];
}

export function isCatalogName(name: string): name is CatalogName {
  return Object.hasOwn(catalogs, name);
}

export type { CatalogContract, FieldKey, FieldValue, FlatFields, JsonValue, MergeRule } from './contract.js';
