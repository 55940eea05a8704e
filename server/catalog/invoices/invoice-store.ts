import { INVOICE_CATALOG, invoiceTotal, type InvoiceLine, type InvoiceStatus } from '../../../core/catalogs/invoice.js';
import type { Invoice } from '../../../core/db/generated/client.js';
import { Prisma, type PrismaClient } from '../../../core/db/prisma.js';
import { newChangeEnvelope, ORIGIN_LOCAL, type ChangeKind } from '../../../core/events/envelope.js';
import { InvalidInvoiceTransitionError, NotFoundError } from '../../errors.js';
import { appendToOutbox } from '../../outbox/append.js';
import type { ChangeSource } from '../inbound-port.js';
import type { CreateInvoiceInput, InboundInvoicePatch, UpdateInvoiceInput } from './invoice-input.js';
import { dateOnly, invoiceSnapshot } from './invoice-snapshot.js';

type Tx = Prisma.TransactionClient;

const LOCAL: ChangeSource = { origin: ORIGIN_LOCAL };

/** The status moves clients may make, and the statuses each starts from. */
export const INVOICE_TRANSITIONS = {
  finalize: { from: ['DRAFT'], to: 'OPEN' },
  markPaid: { from: ['OPEN', 'UNCOLLECTIBLE'], to: 'PAID' },
  void: { from: ['DRAFT', 'OPEN', 'UNCOLLECTIBLE'], to: 'VOID' },
} as const satisfies Record<string, { from: readonly InvoiceStatus[]; to: InvoiceStatus }>;
export type InvoiceTransition = keyof typeof INVOICE_TRANSITIONS;

/**
 * The only write path of the invoice catalog: each change bumps `version`, recomputes `total` and
 * records its event in the outbox in the same transaction. Input must already be validated.
 */
export class InvoiceStore {
  constructor(
    readonly prisma: PrismaClient,
    private readonly changesTopic: string,
  ) {}

  create(input: CreateInvoiceInput, source: ChangeSource = LOCAL): Promise<Invoice> {
    return this.prisma.$transaction((tx) => this.createIn(tx, { ...input, status: 'DRAFT' }, source));
  }

  /** Edits a draft (InvalidInvoiceTransitionError otherwise). */
  update(id: string, input: UpdateInvoiceInput, source: ChangeSource = LOCAL): Promise<Invoice> {
    return this.prisma.$transaction(async (tx) => {
      const invoice = await this.lockLive(tx, id);
      if (invoice.status !== 'DRAFT') throw new InvalidInvoiceTransitionError(id, invoice.status, 'edit an invoice that is not a draft');
      return this.patchIn(tx, invoice, input, source);
    });
  }

  /** finalize (DRAFT -> OPEN), markPaid (OPEN -> PAID) or void (-> VOID). */
  transition(id: string, transition: InvoiceTransition, source: ChangeSource = LOCAL): Promise<Invoice> {
    return this.prisma.$transaction(async (tx) => {
      const invoice = await this.lockLive(tx, id);
      const rule = INVOICE_TRANSITIONS[transition];
      if (!(rule.from as readonly string[]).includes(invoice.status)) throw new InvalidInvoiceTransitionError(id, invoice.status, transition);
      return this.patchIn(tx, invoice, { status: rule.to }, source);
    });
  }

  /** Re-publishes an invoice's current state for one integration only. */
  resync(id: string, integration: string): Promise<Invoice> {
    return this.prisma.$transaction((tx) => this.resyncIn(tx, id, integration));
  }

  async resyncIn(tx: Tx, id: string, integration: string): Promise<Invoice> {
    const invoice = await this.lockLive(tx, id);
    await this.record(tx, 'updated', invoice, LOCAL, integration);
    return invoice;
  }

  /** Creates an invoice of a live customer (NotFoundError otherwise), in any status an integration reports. */
  async createIn(tx: Tx, input: CreateInvoiceInput & { status: InvoiceStatus }, source: ChangeSource): Promise<Invoice> {
    const customer = await tx.customer.findFirst({ where: { id: input.customerId, deletedAt: null }, select: { id: true } });
    if (!customer) throw new NotFoundError('Customer', input.customerId);
    const invoice = await tx.invoice.create({
      data: {
        customerId: input.customerId,
        currency: input.currency,
        status: input.status,
        lines: linesJson(input.lines),
        total: invoiceTotal(input.lines),
        dueDate: input.dueDate ? dateOnly(input.dueDate) : null,
        metadata: input.metadata ?? Prisma.DbNull,
      },
    });
    await this.record(tx, 'created', invoice, source);
    return invoice;
  }

  /** Applies validated fields to a locked invoice (no status rules: integrations report what happened remotely). */
  async patchIn(tx: Tx, invoice: Invoice, patch: InboundInvoicePatch, source: ChangeSource): Promise<Invoice> {
    const updated = await tx.invoice.update({
      where: { id: invoice.id },
      data: {
        ...(patch.currency !== undefined ? { currency: patch.currency } : {}),
        ...(patch.status !== undefined ? { status: patch.status } : {}),
        ...(patch.lines !== undefined ? { lines: linesJson(patch.lines), total: invoiceTotal(patch.lines) } : {}),
        ...(patch.dueDate !== undefined ? { dueDate: patch.dueDate ? dateOnly(patch.dueDate) : null } : {}),
        ...(patch.metadata !== undefined ? { metadata: patch.metadata ?? Prisma.DbNull } : {}),
        version: { increment: 1 },
        updatedAt: new Date(),
      },
    });
    await this.record(tx, 'updated', updated, source);
    return updated;
  }

  /** Soft delete (a draft deleted remotely); the row stays as a tombstone. */
  async deleteIn(tx: Tx, id: string, source: ChangeSource): Promise<Invoice> {
    const now = new Date();
    const invoice = await tx.invoice.update({ where: { id }, data: { deletedAt: now, updatedAt: now, version: { increment: 1 } } });
    await this.record(tx, 'deleted', invoice, source);
    return invoice;
  }

  /** The invoice under its row lock (deleted ones too), or null. */
  async lock(tx: Tx, id: string): Promise<Invoice | null> {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM invoice WHERE id = ${id}::uuid FOR UPDATE`;
    return rows[0] ? tx.invoice.findUnique({ where: { id } }) : null;
  }

  private async lockLive(tx: Tx, id: string): Promise<Invoice> {
    const invoice = await this.lock(tx, id);
    if (!invoice || invoice.deletedAt) throw new NotFoundError('Invoice', id);
    return invoice;
  }

  private async record(tx: Tx, kind: ChangeKind, invoice: Invoice, source: ChangeSource, resyncFor?: string): Promise<void> {
    await appendToOutbox(
      tx,
      this.changesTopic,
      newChangeEnvelope({
        kind,
        catalog: INVOICE_CATALOG,
        entityId: invoice.id,
        version: invoice.version,
        origin: source.origin,
        occurredAt: invoice.updatedAt,
        data: invoiceSnapshot(invoice),
        ...(source.causationId ? { causationId: source.causationId } : {}),
        ...(resyncFor ? { resyncFor } : {}),
      }),
    );
  }
}

function linesJson(lines: readonly InvoiceLine[]): Prisma.InputJsonValue {
  return lines.map((line) => ({ description: line.description, quantity: line.quantity, unitAmount: line.unitAmount }));
}
