import { Prisma, type PrismaClient } from '../../core/db/prisma.js';
import { columnName, erasableCustomerColumns } from '../catalog/customers/customer-columns.js';
import { getLogger } from '../../core/logger.js';
import type { CustomerStore } from '../catalog/customers/customer-store.js';
import { NotFoundError } from '../errors.js';

const log = getLogger('retention.erase');
/** How long erase waits for the delete to be published and to reach each integration. */
const WAIT_MS = 15_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The email an erased customer keeps (the column is required): says nothing about the person. */
export const erasedEmail = (id: string) => `erased-${id}@erased.invalid`;

/**
 * Removes one customer's personal data from every table: a live customer is deleted first (its
 * delete event removes it from the integrations, as any delete does), then the tombstone's personal
 * fields are cleared, and so are the copies the sync keeps (link bases, pending requests, parked
 * changes, errors, conflicts' values, published outbox rows). The tombstone and its links stay, so a
 * late remote update can never bring the customer back. Returns false when no such customer exists.
 */
export async function eraseCustomer(prisma: PrismaClient, customers: CustomerStore, id: string): Promise<boolean> {
  const existing = await prisma.customer.findUnique({ where: { id }, select: { deletedAt: true } });
  if (!existing) return false;
  if (!existing.deletedAt) {
    await customers.delete(id).catch((error: unknown) => {
      if (!(error instanceof NotFoundError)) throw error; // deleted meanwhile
    });
  }
  // The delete reaches each integration through the pair's base (the outbound code deletes the
  // remote object of a linked pair and then clears the base): wait for that before clearing it.
  const inFlight = () =>
    prisma.$queryRaw<Array<{ n: bigint }>>`SELECT count(*) AS n FROM id_mapping WHERE local_id = ${id}::uuid AND remote_id IS NOT NULL AND base IS NOT NULL AND status <> 'FAILED'`;
  for (let waited = 0; waited < WAIT_MS && Number((await inFlight())[0]!.n) > 0; waited += 200) await sleep(200);
  await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`UPDATE customer SET email = ${erasedEmail(id)}, ${Prisma.join(erasableCustomerColumns().map((column) => Prisma.sql`${columnName(column)} = NULL`), ', ')} WHERE id = ${id}::uuid`;
    // A base still in flight (the integration is down) is kept so the remote delete still happens.
    await tx.$executeRaw`UPDATE id_mapping SET pending_request = NULL, parked_change = NULL, last_error = NULL,
                           base = CASE WHEN remote_id IS NOT NULL AND status <> 'FAILED' THEN base ELSE NULL END WHERE local_id = ${id}::uuid`;
    await tx.$executeRaw`DELETE FROM sync_conflict WHERE entity_id = ${id}::uuid`;
    await tx.$executeRaw`DELETE FROM outbox_event WHERE key = ${id} AND published_at IS NOT NULL`;
  });
  const [kept] = await inFlight();
  if (Number(kept!.n) > 0) log.warn({ customerId: id, links: Number(kept!.n) }, 'erase: the remote delete has not completed; the link base is kept until it has (erase again then)');
  // The delete event carries the last snapshot: once the relay has published it, its row goes too.
  for (let waited = 0; waited < WAIT_MS; waited += 200) {
    const [row] = await prisma.$queryRaw<Array<{ pending: bigint }>>`SELECT count(*) AS pending FROM outbox_event WHERE key = ${id}`;
    if (Number(row!.pending) === 0) break;
    await prisma.$executeRaw`DELETE FROM outbox_event WHERE key = ${id} AND published_at IS NOT NULL`;
    await sleep(200);
  }
  log.info({ customerId: id }, 'customer personal data erased');
  return true;
}
