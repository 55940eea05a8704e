import type { IdMapping } from '../db/generated/client.js';
import { toJsonInput } from '../db/json.js';
import { Prisma } from '../db/prisma.js';
import { catalogOf, isCatalogName, type CatalogName, type FieldKey, type FlatFields, type SyncedOf } from '../catalogs/index.js';

// The one module that reads and writes id_mapping (the links between local entities and remote
// objects, with each pair's base), used by both processes. Every write that moves a base happens
// under the pair's row lock, taken with lockByLocal or lockByRemote in the caller's transaction.

export type Tx = Prisma.TransactionClient;
export type Link = IdMapping;

export interface LinkKey {
  catalog: string;
  localId: string;
  remoteSystem: string;
}

export interface RemoteAccount {
  account: string;
  mode: 'emulator' | 'test' | 'live';
}

/** A remote create stored before it is sent, so a retry sends exactly the same request. */
export interface PendingCreate<C extends CatalogName = CatalogName> {
  kind: 'create';
  idempotencyKey: string;
  /** The fields as sent (reference fields already hold remote ids). */
  fields: SyncedOf<C>;
  /** The local version the request was built from. */
  version: number;
  storedAt: string;
}

const where = (key: LinkKey) => ({ catalog_localId_remoteSystem: key });

export function findLink(db: Tx, key: LinkKey): Promise<Link | null> {
  return db.idMapping.findUnique({ where: where(key) });
}

export function findLinkByRemote(db: Tx, remoteSystem: string, remoteId: string): Promise<Link | null> {
  return db.idMapping.findUnique({ where: { remoteSystem_remoteId: { remoteSystem, remoteId } } });
}

/** Creates the pair's row (PENDING, no remote id) if it does not exist yet. */
export async function ensureLink(db: Tx, key: LinkKey, account: RemoteAccount): Promise<void> {
  await db.idMapping.createMany({
    data: [{ ...key, remoteAccount: account.account, remoteMode: account.mode }],
    skipDuplicates: true,
  });
}

/** Locks the pair's row for the rest of the transaction and returns it (null if there is none). */
export async function lockByLocal(tx: Tx, key: LinkKey): Promise<Link | null> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM id_mapping WHERE catalog = ${key.catalog} AND local_id = ${key.localId}::uuid AND remote_system = ${key.remoteSystem} FOR UPDATE`;
  return rows[0] ? tx.idMapping.findUnique({ where: { id: rows[0].id } }) : null;
}

export async function lockByRemote(tx: Tx, remoteSystem: string, remoteId: string): Promise<Link | null> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM id_mapping WHERE remote_system = ${remoteSystem} AND remote_id = ${remoteId} FOR UPDATE`;
  return rows[0] ? tx.idMapping.findUnique({ where: { id: rows[0].id } }) : null;
}

/**
 * Serialises every snapshot of one remote object (also before it is linked), so that the order of
 * their sync marks is the order in which they were read.
 */
export async function lockRemoteObject(tx: Tx, remoteSystem: string, remoteId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${remoteSystem}:${remoteId}`}, 0))`;
}

/** The next sync mark: orders remote snapshots against our own remote writes. */
export async function nextMark(tx: Tx): Promise<bigint> {
  const rows = await tx.$queryRaw<Array<{ mark: bigint }>>`SELECT nextval('sync_mark_seq') AS mark`;
  return BigInt(rows[0]!.mark);
}

/** The pair's base as flat fields, read by its catalog's contract ({} when there is none). */
export function baseOf(link: Pick<Link, 'base' | 'catalog'> | null): FlatFields {
  if (!link || !isCatalogName(link.catalog)) return {};
  const contract = catalogOf(link.catalog);
  const base = contract.parseBase(link.base);
  return base ? contract.flatten(base) : {};
}

/**
 * The remote id of a local entity of another catalog (a reference, e.g. an invoice's customer),
 * or null while it has no live link to that system.
 */
export async function remoteIdOfLocal(db: Tx, key: LinkKey): Promise<string | null> {
  const link = await db.idMapping.findUnique({ where: where(key), select: { remoteId: true, base: true } });
  return link?.remoteId && link.base !== null ? link.remoteId : null;
}

/** The local id linked to a remote object of a catalog, or null when it is not linked. */
export async function localIdOfRemote(db: Tx, catalog: string, remoteSystem: string, remoteId: string): Promise<string | null> {
  const link = await db.idMapping.findUnique({ where: { remoteSystem_remoteId: { remoteSystem, remoteId } }, select: { catalog: true, localId: true } });
  return link && link.catalog === catalog ? link.localId : null;
}

export function fieldMarksOf(link: Pick<Link, 'fieldMarks'> | null): Record<FieldKey, string> {
  const marks = link?.fieldMarks;
  return marks && typeof marks === 'object' && !Array.isArray(marks) ? (marks as Record<FieldKey, string>) : {};
}

/** The stored create of a pair, its fields read by the catalog's contract (null if there is none). */
export function pendingCreateOf<C extends CatalogName>(catalog: C, link: Pick<Link, 'pendingRequest'> | null): PendingCreate<C> | null {
  const request = link?.pendingRequest;
  if (!request || typeof request !== 'object' || Array.isArray(request) || request.kind !== 'create') return null;
  const fields = catalogOf(catalog).schema.safeParse(request.fields);
  if (!fields.success) return null; // unreadable: the change builds a new request from the current state
  return {
    kind: 'create',
    idempotencyKey: String(request.idempotencyKey),
    fields: fields.data,
    version: Number(request.version),
    storedAt: String(request.storedAt),
  };
}

/** Stores a create request unless one is stored already (or the pair is linked meanwhile). */
export async function storePendingCreate<C extends CatalogName>(db: Tx, key: LinkKey, request: PendingCreate<C>): Promise<void> {
  await db.idMapping.updateMany({
    where: { ...key, remoteId: null, pendingRequest: { equals: Prisma.DbNull } },
    data: { pendingRequest: toJsonInput(request) },
  });
}

export type LinkUpdate = Partial<{
  remoteId: string | null;
  status: 'PENDING' | 'SYNCED' | 'FAILED';
  base: object | null;
  fieldMarks: Record<FieldKey, string> | null;
  remoteMark: bigint;
  lastSyncedVersion: number;
  pendingRequest: null;
  lastRemoteEventAt: Date;
  lastError: string | null;
  attempts: number;
  remoteAccount: string;
  remoteMode: string;
}>;

function toData(update: LinkUpdate, synced: boolean): Prisma.IdMappingUncheckedUpdateInput {
  const { base, fieldMarks, pendingRequest, ...rest } = update;
  const now = new Date();
  return {
    ...rest,
    ...(base !== undefined ? { base: base === null ? Prisma.DbNull : toJsonInput(base) } : {}),
    ...(fieldMarks !== undefined ? { fieldMarks: fieldMarks === null ? Prisma.DbNull : toJsonInput(fieldMarks) } : {}),
    ...(pendingRequest !== undefined ? { pendingRequest: Prisma.DbNull } : {}),
    ...(synced ? { status: 'SYNCED' as const, lastSyncedAt: now, lastError: null, attempts: 0 } : {}),
    updatedAt: now,
  };
}

/** Updates a locked pair. `synced` also marks it SYNCED and clears its error. */
export async function updateLink(tx: Tx, id: string, update: LinkUpdate, options: { synced?: boolean } = {}): Promise<Link> {
  return tx.idMapping.update({ where: { id }, data: toData(update, options.synced ?? false) });
}

/** Creates or replaces the link of a local entity (the gateway linking a remote object it applied). */
export async function upsertLink(tx: Tx, key: LinkKey, update: LinkUpdate & { remoteId: string }): Promise<Link> {
  const data = toData(update, true);
  return tx.idMapping.upsert({
    where: where(key),
    create: { ...key, ...(data as Prisma.IdMappingUncheckedCreateInput) },
    update: data,
  });
}

/**
 * Records a failed sync. A create the remote side refused for good is forgotten, so that a resync
 * builds a new one from the current state.
 */
export async function markFailed(db: Tx, key: LinkKey, error: string, attempts: number, options: { forgetPendingCreate?: boolean } = {}): Promise<void> {
  const now = new Date();
  const failed = { status: 'FAILED' as const, lastError: error, attempts, updatedAt: now };
  await db.idMapping.upsert({
    where: where(key),
    create: { ...key, ...failed },
    update: { ...failed, ...(options.forgetPendingCreate ? { pendingRequest: Prisma.DbNull } : {}) },
  });
}

/**
 * Unlinks a locked pair whose remote object vanished (reconcile --delete-orphans), storing the
 * create that exports the entity again. The create's key derives from the local id and the vanished
 * object's id: the first create's key (the local id's) would replay, for 24 h, the object that is
 * gone, and a second relink of the same entity gets a key of its own.
 */
export async function unlinkForExport<C extends CatalogName>(tx: Tx, link: Link, request: PendingCreate<C>, remoteMark: bigint): Promise<Link> {
  return tx.idMapping.update({
    where: { id: link.id },
    data: {
      remoteId: null,
      base: Prisma.DbNull,
      fieldMarks: Prisma.DbNull,
      remoteMark,
      pendingRequest: toJsonInput(request),
      status: 'PENDING',
      lastError: null,
      attempts: 0,
      updatedAt: new Date(),
    },
  });
}

/** Whether the local entity has a live link to another remote object of this system. */
export async function liveLinkOf(tx: Tx, key: LinkKey): Promise<Link | null> {
  const link = await tx.idMapping.findUnique({ where: where(key) });
  return link && link.remoteId !== null && link.base !== null ? link : null;
}

/**
 * Adopts links written before accounts were recorded, then refuses to run against another remote
 * account or mode than the one the existing links belong to.
 */
export async function checkLinkAccount(db: Tx, remoteSystem: string, account: RemoteAccount): Promise<void> {
  await db.idMapping.updateMany({ where: { remoteSystem, remoteAccount: null }, data: { remoteAccount: account.account, remoteMode: account.mode } });
  const other = await db.idMapping.findFirst({
    where: { remoteSystem, NOT: { remoteAccount: account.account, remoteMode: account.mode } },
    select: { remoteAccount: true, remoteMode: true },
  });
  if (other) {
    throw new Error(
      `the ${remoteSystem} links in this database belong to account ${other.remoteAccount} (${other.remoteMode}), ` +
        `but this process is configured for ${account.account} (${account.mode}). Refusing to start: a remote 404 from another ` +
        `account would delete local customers. Point it back at the original account's keys, or, to move to the new account, ` +
        `remove the old links first (DELETE FROM id_mapping WHERE remote_system = '${remoteSystem}') and backfill.`,
    );
  }
}
