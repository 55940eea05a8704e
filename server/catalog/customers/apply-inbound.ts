import type { Customer } from '../../../core/db/generated/client.js';
import { toJsonInput } from '../../../core/db/json.js';
import { Prisma } from '../../../core/db/prisma.js';
import type { InboundChange } from '../../../core/events/inbound-change.js';
import { createCustomerInputSchema, validate, type CreateCustomerInput } from './customer-input.js';
import { CUSTOMER_CATALOG, type CustomerStore } from './customer-store.js';

export type InboundOutcome =
  | { result: 'duplicate' }
  | { result: 'applied'; customerId: string; action: 'created' | 'updated' | 'linked' | 'deleted' | 'unchanged' }
  | { result: 'ignored'; customerId?: string; reason: string };

/** Fields an integration may set; compared one by one so an unchanged webhook changes nothing. */
const SYNCED_FIELDS = ['email', 'name', 'phone', 'address', 'metadata'] as const;

/**
 * Applies a change from an integration to the catalog, once per remote event, in one transaction:
 * the customer row, its outbox event (origin = the integration, so it is not sent back there) and
 * the link in id_mapping. Throws ValidationError for data the catalog cannot accept.
 */
export async function applyInboundCustomerChange(store: CustomerStore, change: InboundChange): Promise<InboundOutcome> {
  const input = change.kind === 'deleted' ? undefined : validate(createCustomerInputSchema, change.data ?? {});
  const source = { origin: change.integration, causationId: change.id };

  return store.inTransaction(async (tx) => {
    const first = await tx.processedEvent.createMany({
      data: [{ consumer: 'gateway.inbound', eventId: `${change.integration}:${change.id}` }],
      skipDuplicates: true,
    });
    if (first.count === 0) return { result: 'duplicate' };

    const { customer, via } = await locate(tx, change, input);
    let outcome: InboundOutcome;
    let current: Customer | undefined = customer ?? undefined;

    if (change.kind === 'deleted') {
      if (!customer || customer.deletedAt) {
        outcome = { result: 'ignored', ...(customer ? { customerId: customer.id } : {}), reason: 'already deleted or never known' };
      } else {
        current = await store.deleteIn(tx, customer.id, source);
        outcome = { result: 'applied', customerId: customer.id, action: 'deleted' };
      }
    } else if (customer?.deletedAt) {
      // Deletes are final: a late create or update cannot bring the customer back.
      return { result: 'ignored', customerId: customer.id, reason: 'customer was deleted' };
    } else if (!customer) {
      current = await store.createIn(tx, input!, source);
      outcome = { result: 'applied', customerId: current.id, action: 'created' };
    } else {
      const changed = changedFields(customer, input!);
      if (Object.keys(changed).length > 0) {
        current = await store.updateIn(tx, customer.id, changed, source);
        outcome = { result: 'applied', customerId: customer.id, action: 'updated' };
      } else {
        outcome = { result: 'applied', customerId: customer.id, action: via === 'email' ? 'linked' : 'unchanged' };
      }
    }

    if (current) await link(tx, change, current);
    return outcome;
  }, input?.email);
}

/**
 * The local customer a remote change is about: by local id, by mapping, else (not for deletes)
 * the live customer with the same email, which is then linked instead of duplicated.
 */
async function locate(
  tx: Prisma.TransactionClient,
  change: InboundChange,
  input: CreateCustomerInput | undefined,
): Promise<{ customer: Customer | null; via?: 'localId' | 'mapping' | 'email' }> {
  if (change.localId) {
    const byId = await tx.customer.findUnique({ where: { id: change.localId } });
    if (byId) return { customer: byId, via: 'localId' };
  }
  const mapping = await tx.idMapping.findUnique({ where: { remoteSystem_remoteId: { remoteSystem: change.integration, remoteId: change.remoteId } } });
  if (mapping) return { customer: await tx.customer.findUnique({ where: { id: mapping.localId } }), via: 'mapping' };
  if (input) {
    const byEmail = await tx.customer.findFirst({ where: { email: input.email, deletedAt: null } });
    if (byEmail) return { customer: byEmail, via: 'email' };
  }
  return { customer: null };
}

/** Records (in the same transaction) that the customer now equals the remote object. */
async function link(tx: Prisma.TransactionClient, change: InboundChange, customer: Customer): Promise<void> {
  const now = new Date();
  const state = {
    remoteId: change.remoteId,
    status: 'SYNCED' as const,
    lastSyncedHash: change.hash ?? null,
    lastSyncedFields: change.data ? toJsonInput(change.data) : Prisma.DbNull,
    lastSyncedVersion: customer.version,
    lastSyncedAt: now,
    // Inbound changes of one remote object arrive in order (keyed by remote id): this is the newest.
    lastRemoteEventAt: new Date(change.occurredAt),
    lastError: null,
    attempts: 0,
    updatedAt: now,
  };
  await tx.idMapping.upsert({
    where: { catalog_localId_remoteSystem: { catalog: CUSTOMER_CATALOG, localId: customer.id, remoteSystem: change.integration } },
    create: { catalog: CUSTOMER_CATALOG, localId: customer.id, remoteSystem: change.integration, ...state },
    update: state,
  });
}

function changedFields(customer: Customer, input: CreateCustomerInput): Partial<CreateCustomerInput> {
  const changed: Partial<CreateCustomerInput> = {};
  for (const field of SYNCED_FIELDS) {
    const next = input[field] ?? null;
    const previous = customer[field] ?? null;
    if (!sameJson(previous, next)) Object.assign(changed, { [field]: next });
  }
  if (changed.email === null) delete changed.email; // email cannot be cleared
  return changed;
}

function sameJson(a: unknown, b: unknown): boolean {
  const empty = (value: unknown) => value === null || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
  if (empty(a) && empty(b)) return true;
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== null && item !== undefined)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, item]) => [key, sortKeys(item)]),
  );
}
