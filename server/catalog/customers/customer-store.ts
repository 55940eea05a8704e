import { Prisma, type PrismaClient } from '../../../core/db/prisma.js';
import type { Customer } from '../../../core/db/generated/client.js';
import { newChangeEnvelope, ORIGIN_LOCAL, type ChangeKind } from '../../../core/events/envelope.js';
import { EmailTakenError, NotFoundError } from '../../errors.js';
import { appendToOutbox } from '../../outbox/append.js';
import type { CreateCustomerInput, UpdateCustomerInput } from './customer-input.js';
import { customerSnapshot } from './customer-snapshot.js';

export { CUSTOMER_CATALOG } from '../../../core/catalogs/customer.js';
import { CUSTOMER_CATALOG } from '../../../core/catalogs/customer.js';

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

  create(input: CreateCustomerInput, source: ChangeSource = LOCAL): Promise<Customer> {
    return this.inTransaction((tx) => this.createIn(tx, input, source), input.email);
  }

  update(id: string, input: UpdateCustomerInput, source: ChangeSource = LOCAL): Promise<Customer> {
    return this.inTransaction((tx) => this.updateIn(tx, id, input, source), input.email);
  }

  /** Soft delete: the row stays as a tombstone so no late update can bring the customer back. */
  delete(id: string, source: ChangeSource = LOCAL): Promise<Customer> {
    return this.inTransaction((tx) => this.deleteIn(tx, id, source));
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
    const customer = await tx.customer.create({ data: { ...toData(input), email: input.email } });
    await this.record(tx, 'created', customer, source);
    return customer;
  }

  async updateIn(tx: Tx, id: string, input: UpdateCustomerInput, source: ChangeSource): Promise<Customer> {
    const customer = await tx.customer
      .update({ where: { id, deletedAt: null }, data: { ...toData(input), version: { increment: 1 }, updatedAt: new Date() } })
      .catch(notFoundAs(id));
    await this.record(tx, 'updated', customer, source);
    return customer;
  }

  async deleteIn(tx: Tx, id: string, source: ChangeSource): Promise<Customer> {
    const now = new Date();
    const customer = await tx.customer
      .update({ where: { id, deletedAt: null }, data: { deletedAt: now, updatedAt: now, version: { increment: 1 } } })
      .catch(notFoundAs(id));
    await this.record(tx, 'deleted', customer, source);
    return customer;
  }

  /** Runs `work` in a transaction, turning a live-email unique violation into EmailTakenError. */
  async inTransaction<T>(work: (tx: Tx) => Promise<T>, email?: string | null): Promise<T> {
    try {
      return await this.prisma.$transaction(work);
    } catch (error) {
      if (email && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw new EmailTakenError(email);
      }
      throw error;
    }
  }

  /** Appends the event for `customer`'s new state to the outbox, inside `tx`. */
  private async record(tx: Tx, kind: ChangeKind, customer: Customer, source: ChangeSource, resyncFor?: string): Promise<void> {
    await appendToOutbox(
      tx,
      this.changesTopic,
      newChangeEnvelope({
        kind,
        catalog: CUSTOMER_CATALOG,
        entityId: customer.id,
        version: customer.version,
        origin: source.origin,
        occurredAt: customer.updatedAt,
        data: customerSnapshot(customer),
        ...(source.causationId ? { causationId: source.causationId } : {}),
        ...(resyncFor ? { resyncFor } : {}),
      }),
    );
  }
}

function toData(input: UpdateCustomerInput) {
  return {
    ...(input.email !== undefined ? { email: input.email } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.phone !== undefined ? { phone: input.phone } : {}),
    ...(input.address !== undefined ? { address: jsonOrNull(input.address) } : {}),
    ...(input.metadata !== undefined ? { metadata: jsonOrNull(input.metadata) } : {}),
  };
}

function jsonOrNull(value: Prisma.InputJsonValue | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value === null ? Prisma.DbNull : value;
}

function notFoundAs(id: string) {
  return (error: unknown): never => {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') {
      throw new NotFoundError('Customer', id);
    }
    throw error;
  };
}
