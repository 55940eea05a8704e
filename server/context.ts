import DataLoader from 'dataloader';
import type { IdMapping } from '../core/db/generated/client.js';
import type { PrismaClient } from '../core/db/prisma.js';
import type { Principal } from './auth/principal.js';
import type { CustomerStore } from './catalog/customers/customer-store.js';
import type { InvoiceStore } from './catalog/invoices/invoice-store.js';
import type { SyncEventHub } from './sync-events/sync-event-hub.js';

/** What every resolver receives; a new one (fresh loaders) per GraphQL operation. */
export interface GatewayContext {
  /** Who is calling (authenticated before any operation runs; scopes are checked per field). */
  principal: Principal;
  prisma: PrismaClient;
  customers: CustomerStore;
  invoices: InvoiceStore;
  syncEvents: SyncEventHub;
  consumerLag?: GatewayServices['consumerLag'];
  /** Sync state rows of many customers in one query per operation (no N+1). */
  syncStates: DataLoader<string, IdMapping[]>;
}

export interface GatewayServices {
  prisma: PrismaClient;
  customers: CustomerStore;
  invoices: InvoiceStore;
  syncEvents: SyncEventHub;
  /** The operator's view (syncStatus): consumer lag per group and topic. */
  consumerLag?: () => Promise<Array<{ group: string; topic: string; lag: number }>>;
}

export function createContext(services: GatewayServices, principal: Principal): GatewayContext {
  return {
    ...services,
    principal,
    syncStates: new DataLoader(async (customerIds) => {
      const rows = await services.prisma.idMapping.findMany({
        where: { catalog: 'customer', localId: { in: [...customerIds] } },
        orderBy: { remoteSystem: 'asc' },
      });
      // Grouped in one pass (not one scan of all rows per customer).
      // (Map.groupBy needs Node 21.)
      const byCustomer = new Map<string, IdMapping[]>();
      for (const row of rows) {
        const group = byCustomer.get(row.localId);
        if (group) group.push(row);
        else byCustomer.set(row.localId, [row]);
      }
      return customerIds.map((id) => byCustomer.get(id) ?? []);
    }),
  };
}
