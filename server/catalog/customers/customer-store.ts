import { Prisma, type PrismaClient } from '../../../core/db/prisma.js';
import type { Customer } from '../../../core/db/generated/client.js';
import { newChangeEnvelope, ORIGIN_LOCAL, type ChangeKind } from '../../../core/events/envelope.js';
import { EmailTakenError, NotFoundError } from '../../errors.js';
import { randomUUID } from 'node:crypto';
import { appendToOutbox, outboxRecord } from '../../outbox/append.js';
import type { CreateCustomerInput, UpdateCustomerInput } from './customer-input.js';
import { columnName, columnValue, customerColumns } from './customer-columns.js';
import { customerSnapshot } from './customer-snapshot.js';

export { CUSTOMER_CATALOG } from '../../../core/catalogs/customer.js';
import { CUSTOMER_CATALOG } from '../../../core/catalogs/customer.js';
import type { SnapshotOf } from '../../../core/catalogs/index.js';

/** Who made a change: `local` (GraphQL) or an integration, and the event that caused it. */
export interface ChangeSource {
  origin: string;
  causationId?: string;
}

const LOCAL: ChangeSource = { origin: ORIGIN_LOCAL };

type Tx = Prisma.TransactionClient;

/**
 * The only write path of the customer catalog: each change bumps `version` and records its event in
 * the outbox in the same transaction (no dual write). Input must already be validated.
 */
export class CustomerStore {
  constructor(
    readonly prisma: PrismaClient,
    private readonly changesTopic: string,
  ) {}

  /**
   * One statement, so one round trip to Postgres: the row and its outbox event are inserted by one
   * `WITH … INSERT` (atomic, as any single statement is), instead of an interactive transaction
   * (BEGIN, two INSERTs, COMMIT: four round trips, each holding a pooled connection, and a wait to
   * start a transaction under load). The id and timestamps are chosen here, so the event can be
   * built before the row exists; the row is then exactly what `createIn` would have returned.
   */
  async create(input: CreateCustomerInput, source: ChangeSource = LOCAL): Promise<Customer> {
    const now = new Date();
    const customer = {
      id: randomUUID(),
      ...Object.fromEntries(customerColumns.map(({ field }) => [field, input[field] ?? null])),
      version: 1,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    } as Customer;
    const event = outboxRecord(this.changesTopic, this.envelope('created', customer, source));
    try {
      await this.prisma.$executeRaw`
        WITH row AS (
          INSERT INTO customer (id, ${Prisma.join(customerColumns.map(columnName), ', ')}, version, created_at, updated_at)
          VALUES (${customer.id}::uuid, ${Prisma.join(customerColumns.map((column) => columnValue(column, customer[column.field])), ', ')},
                  1, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
          RETURNING id)
        INSERT INTO outbox_event (event_id, topic, key, payload)
        SELECT ${event.eventId}::uuid, ${event.topic}, ${event.key}, ${event.payload}::jsonb FROM row`;
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(input.email);
      throw error;
    }
    return customer;
  }

  /** One statement (see `updateIn`), outside any transaction: one round trip to Postgres. */
  update(id: string, input: UpdateCustomerInput, source: ChangeSource = LOCAL): Promise<Customer> {
    return this.updateIn(this.prisma, id, input, source);
  }

  /** Soft delete: the row stays as a tombstone so no late update can bring the customer back. */
  delete(id: string, source: ChangeSource = LOCAL): Promise<Customer> {
    return this.deleteIn(this.prisma, id, source);
  }

  /** Re-publishes a customer's current state for one integration only (repairs a failed sync). */
  resync(id: string, integration: string): Promise<Customer> {
    return this.inTransaction((tx) => this.resyncIn(tx, id, integration));
  }

  /**
   * Reads the customer under its row lock, so a concurrent update either commits first (and is
   * what the resync sends) or waits: an older state is never published after a newer one.
   */
  async resyncIn(tx: Tx, id: string, integration: string): Promise<Customer> {
    await tx.$queryRaw`SELECT id FROM customer WHERE id = ${id}::uuid FOR UPDATE`;
    const customer = await tx.customer.findFirst({ where: { id, deletedAt: null } });
    if (!customer) throw new NotFoundError('Customer', id);
    await this.record(tx, 'updated', customer, LOCAL, integration);
    return customer;
  }

  async createIn(tx: Tx, input: CreateCustomerInput, source: ChangeSource): Promise<Customer> {
    const customer = await tx.customer.create({ data: toData(input) as Prisma.CustomerUncheckedCreateInput });
    await this.record(tx, 'created', customer, source);
    return customer;
  }

  /**
   * Updates the live row and records its event in one statement, so one round trip whether `tx` is
   * a transaction (apply-inbound) or the client itself (`update`): the UPDATE takes the row lock,
   * as `resyncIn` expects, and the outbox row is built from the updated row by the same statement.
   */
  updateIn(tx: Tx, id: string, input: UpdateCustomerInput, source: ChangeSource): Promise<Customer> {
    const sets = customerColumns
      .filter(({ field }) => input[field] !== undefined)
      .map((column) => Prisma.sql`${columnName(column)} = ${columnValue(column, input[column.field])}`);
    return this.changeRow(tx, 'updated', id, new Date(), sets, source, input.email ?? undefined);
  }

  /** The soft delete of `delete`, in one statement (see `updateIn`). */
  deleteIn(tx: Tx, id: string, source: ChangeSource): Promise<Customer> {
    const now = new Date();
    return this.changeRow(tx, 'deleted', id, now, [Prisma.sql`deleted_at = ${now.toISOString()}::timestamptz`], source);
  }

  /**
   * `UPDATE … RETURNING` the live row (version + 1, updated_at = now) and `INSERT` its outbox event,
   * whose snapshot Postgres builds from the updated row (`jsonb_build_object`, the same fields and
   * formats as `customerSnapshot`), in one `WITH` statement: atomic as any statement, one round trip.
   * The synced fields' columns come from the contract (customer-columns.ts); jsonb_build_object takes
   * at most 100 arguments, so up to 45 synced fields beside the five fixed ones.
   * The event's size is not re-checked here (unlike `outboxRecord`): validated input bounds a
   * snapshot to tens of kilobytes, far under MAX_EVENT_BYTES.
   */
  private async changeRow(tx: Tx, kind: 'updated' | 'deleted', id: string, now: Date, assignments: Prisma.Sql[], source: ChangeSource, email?: string): Promise<Customer> {
    const nowIso = now.toISOString();
    const envelope = newChangeEnvelope({
      kind,
      catalog: CUSTOMER_CATALOG,
      entityId: id,
      version: 1, // replaced by the row's version in SQL
      origin: source.origin,
      occurredAt: now,
      data: {} as SnapshotOf<typeof CUSTOMER_CATALOG>, // replaced by the row's snapshot in SQL
      ...(source.causationId ? { causationId: source.causationId } : {}),
    });
    const utc = (column: Prisma.Sql) => Prisma.sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    let rows: CustomerRow[];
    try {
      rows = await tx.$queryRaw<CustomerRow[]>`
        WITH row AS (
          UPDATE customer SET ${Prisma.join([...assignments, Prisma.sql`version = version + 1`, Prisma.sql`updated_at = ${nowIso}::timestamptz`], ', ')}
          WHERE id = ${id}::uuid AND deleted_at IS NULL
          RETURNING *),
        event AS (
          INSERT INTO outbox_event (event_id, topic, key, payload)
          SELECT ${envelope.id}::uuid, ${this.changesTopic}, ${id},
                 ${JSON.stringify(envelope)}::jsonb || jsonb_build_object('version', row.version, 'data', jsonb_build_object(
                   'id', row.id, ${Prisma.join(customerColumns.map(({ field, column }) => Prisma.raw(`'${field}', row.${column}`)), ', ')}, 'version', row.version,
                   'createdAt', ${utc(Prisma.raw('row.created_at'))}, 'updatedAt', ${utc(Prisma.raw('row.updated_at'))},
                   'deletedAt', ${utc(Prisma.raw('row.deleted_at'))}))
          FROM row)
        SELECT * FROM row`;
    } catch (error) {
      if (email && isUniqueViolation(error)) throw new EmailTakenError(email);
      throw error;
    }
    const row = rows[0];
    if (!row) throw new NotFoundError('Customer', id);
    return {
      id: row.id,
      ...Object.fromEntries(customerColumns.map(({ field, column }) => [field, row[column]])),
      version: row.version,
      createdAt: new Date(row.created_at),
      updatedAt: new Date(row.updated_at),
      deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
    } as Customer;
  }

  /** Runs `work` in a transaction, turning a live-email unique violation into EmailTakenError. */
  async inTransaction<T>(work: (tx: Tx) => Promise<T>, email?: string | null): Promise<T> {
    try {
      return await this.prisma.$transaction(work);
    } catch (error) {
      if (email && isUniqueViolation(error)) {
        throw new EmailTakenError(email);
      }
      throw error;
    }
  }

  /** Appends the event for `customer`'s new state to the outbox, inside `tx`. */
  private async record(tx: Tx, kind: ChangeKind, customer: Customer, source: ChangeSource, resyncFor?: string): Promise<void> {
    await appendToOutbox(tx, this.changesTopic, this.envelope(kind, customer, source, resyncFor));
  }

  /** The change event of `customer`'s new state. */
  private envelope(kind: ChangeKind, customer: Customer, source: ChangeSource, resyncFor?: string) {
    return newChangeEnvelope({
      kind,
      catalog: CUSTOMER_CATALOG,
      entityId: customer.id,
      version: customer.version,
      origin: source.origin,
      occurredAt: customer.updatedAt,
      data: customerSnapshot(customer),
      ...(source.causationId ? { causationId: source.causationId } : {}),
      ...(resyncFor ? { resyncFor } : {}),
    });
  }
}

/** A customer row as the one-statement update returns it (column names; the synced fields' by customerColumns). */
type CustomerRow = Record<string, unknown> & {
  id: string;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
};

/** The input's fields as Prisma model data (a JSON column's null is Prisma.DbNull). */
function toData(input: UpdateCustomerInput): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const { field, sqlType } of customerColumns) {
    const value = input[field];
    if (value !== undefined) data[field] = sqlType === 'jsonb' ? jsonOrNull(value as Prisma.InputJsonValue | null) : value;
  }
  return data;
}

function jsonOrNull(value: Prisma.InputJsonValue | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null ? Prisma.DbNull : value;
}

/** A unique violation (the live-email index), as Prisma reports it for model queries and raw SQL. */
function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const meta = error.meta as { code?: unknown; driverAdapterError?: { cause?: { kind?: unknown; originalCode?: unknown } } } | undefined;
  const cause = meta?.driverAdapterError?.cause;
  return meta?.code === '23505' || cause?.kind === 'UniqueConstraintViolation' || cause?.originalCode === '23505';
}

function notFoundAs(id: string) {
  return (error: unknown): never => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
      throw new NotFoundError('Customer', id);
    }
    throw error;
  };
}
