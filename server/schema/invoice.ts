import { GraphQLError } from 'graphql';
import type { InvoiceLine } from '../../core/catalogs/invoice.js';
import { invoiceLineSchema } from '../../core/catalogs/invoice.js';
import type { Prisma } from '../../core/db/prisma.js';
import { InvoiceStatus } from '../../core/db/generated/enums.js';
import { customerIdSchema, validate } from '../catalog/customers/customer-input.js';
import { createInvoiceInputSchema, invoiceIdSchema, updateInvoiceInputSchema } from '../catalog/invoices/invoice-input.js';
import type { InvoiceTransition } from '../catalog/invoices/invoice-store.js';
import { InvalidInvoiceTransitionError, NotFoundError, ValidationError } from '../errors.js';
import { builder, checkPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseIdArgument } from './builder.js';
import { SyncStateRef } from './sync-state.js';

// The invoice catalog's GraphQL surface: its type, queries, inputs and mutations.

const InvoiceStatusEnum = builder.enumType(InvoiceStatus, { name: 'InvoiceStatus' });

const InvoiceLineRef = builder.objectRef<InvoiceLine>('InvoiceLine').implement({
  fields: (t) => ({
    description: t.exposeString('description'),
    quantity: t.exposeInt('quantity'),
    unitAmount: t.exposeInt('unitAmount', { description: "In the currency's minor unit (e.g. cents)." }),
    amount: t.int({ description: 'quantity × unitAmount', resolve: (line) => line.quantity * line.unitAmount }),
  }),
});

const linesOf = (value: unknown): InvoiceLine[] => {
  const parsed = invoiceLineSchema.array().safeParse(value);
  return parsed.success ? parsed.data : [];
};

export const InvoiceRef = builder.prismaObject('Invoice', {
  fields: (t) => ({
    id: t.exposeID('id'),
    customerId: t.exposeID('customerId'),
    currency: t.exposeString('currency', { description: 'ISO 4217, lower case.' }),
    status: t.expose('status', { type: InvoiceStatusEnum }),
    total: t.exposeInt('total', { description: "Sum of the lines' amounts, in the currency's minor unit." }),
    dueDate: t.expose('dueDate', { type: 'Date', nullable: true }),
    lines: t.field({ type: [InvoiceLineRef], select: { lines: true }, resolve: (invoice) => linesOf(invoice.lines) }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true }),
    version: t.exposeInt('version'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    syncStates: t.field({
      type: [SyncStateRef],
      description: 'Where this invoice stands with each integration.',
      select: { id: true },
      resolve: (invoice, _args, ctx) =>
        ctx.prisma.idMapping.findMany({ where: { catalog: 'invoice', localId: invoice.id }, orderBy: { remoteSystem: 'asc' } }),
    }),
  }),
});

const InvoiceLineInput = builder.inputType('InvoiceLineInput', {
  fields: (t) => ({
    description: t.string({ required: true }),
    quantity: t.int({ required: true }),
    unitAmount: t.int({ required: true, description: "In the currency's minor unit (e.g. cents)." }),
  }),
});

const CreateInvoiceInput = builder.inputType('CreateInvoiceInput', {
  fields: (t) => ({
    customerId: t.id({ required: true }),
    currency: t.string({ required: true, description: 'ISO 4217, e.g. "usd".' }),
    dueDate: t.field({ type: 'Date' }),
    lines: t.field({ type: [InvoiceLineInput], required: true }),
    metadata: t.field({ type: 'JSON', description: 'Flat object of at most 50 keys with string, number, boolean or null values.' }),
  }),
});

const UpdateInvoiceInput = builder.inputType('UpdateInvoiceInput', {
  description: 'Drafts only. Only the fields given change; null clears dueDate or metadata.',
  fields: (t) => ({
    dueDate: t.field({ type: 'Date' }),
    lines: t.field({ type: [InvoiceLineInput] }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

const InvoiceFilter = builder.inputType('InvoiceFilter', {
  fields: (t) => ({
    customerId: t.id(),
    status: t.field({ type: InvoiceStatusEnum }),
  }),
});

type FilterArg = { customerId?: string | number | null; status?: InvoiceStatus | null } | null | undefined;

function invoiceWhere(filter: FilterArg): Prisma.InvoiceWhereInput {
  let customerId: string | undefined;
  if (filter?.customerId !== null && filter?.customerId !== undefined) {
    const parsed = customerIdSchema.safeParse(String(filter.customerId));
    if (!parsed.success) throw new GraphQLError('filter.customerId must be a customer id (UUID)', { extensions: { code: 'BAD_USER_INPUT' } });
    customerId = parsed.data;
  }
  return { deletedAt: null, ...(customerId ? { customerId } : {}), ...(filter?.status ? { status: filter.status } : {}) };
}

/** A Date scalar value (a JS Date at UTC midnight) as YYYY-MM-DD. */
const isoDay = (value: unknown) => (value instanceof Date ? value.toISOString().slice(0, 10) : value);

function parseId(id: string | number): string {
  return validate(invoiceIdSchema, String(id), 'id');
}


const ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

builder.queryFields((t) => ({
  invoice: t.prismaField({
    authScopes: { scope: 'customers.read' },
    type: 'Invoice',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      return ctx.prisma.invoice.findFirst({ ...query, where: { id: parseIdArgument(invoiceIdSchema, id, 'an invoice id'), deletedAt: null } });
    },
  }),
  invoices: t.prismaConnection(
    {
      authScopes: { scope: 'customers.read' },
      type: 'Invoice',
      cursor: 'id',
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      args: { filter: t.arg({ type: InvoiceFilter }) },
      resolve: (query, _root, args, ctx) => {
        checkPageSize(args);
        return ctx.prisma.invoice.findMany({ ...query, where: invoiceWhere(args.filter), orderBy: ORDER });
      },
      totalCount: (_connection, args, ctx) => ctx.prisma.invoice.count({ where: invoiceWhere(args.filter) }),
    },
    { name: 'InvoiceConnection' },
    { name: 'InvoiceEdge' },
  ),
}));

// Customer.invoices, declared here so the customer's file does not change for a new catalog.
builder.prismaObjectField('Customer', 'invoices', (t) =>
  t.relatedConnection(
    'invoices',
    { cursor: 'id', defaultSize: DEFAULT_PAGE_SIZE, maxSize: MAX_PAGE_SIZE, query: () => ({ where: { deletedAt: null }, orderBy: ORDER }), totalCount: true },
    { name: 'CustomerInvoiceConnection' },
    { name: 'CustomerInvoiceEdge' },
  ),
);

const transitionErrors = { types: [NotFoundError, InvalidInvoiceTransitionError] };

function transitionMutation(name: string, transition: InvoiceTransition, description: string) {
  return builder.mutationField(name, (t) =>
    t.field({
      authScopes: { scope: 'customers.write' },
      type: InvoiceRef,
      description,
      args: { id: t.arg.id({ required: true }) },
      errors: { ...transitionErrors, union: { name: `${capitalized(name)}Result` }, result: { name: `${capitalized(name)}Success` }, dataField: { name: 'invoice' } },
      resolve: (_root, { id }, ctx) => {
        const parsed = invoiceIdSchema.safeParse(String(id));
        // A string that cannot be an id names no invoice: not found, like any other unknown id.
        if (!parsed.success) throw new NotFoundError('Invoice', String(id));
        return ctx.invoices.transition(parsed.data, transition);
      },
    }),
  );
}

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

builder.mutationFields((t) => ({
  createInvoice: t.field({
    authScopes: { scope: 'customers.write' },
    type: InvoiceRef,
    description: 'A draft invoice of a customer.',
    args: { input: t.arg({ type: CreateInvoiceInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError],
      union: { name: 'CreateInvoiceResult' },
      result: { name: 'CreateInvoiceSuccess' },
      dataField: { name: 'invoice' },
    },
    resolve: (_root, { input }, ctx) => ctx.invoices.create(validate(createInvoiceInputSchema, { ...input, dueDate: isoDay(input.dueDate) })),
  }),
  updateInvoice: t.field({
    authScopes: { scope: 'customers.write' },
    type: InvoiceRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInvoiceInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, InvalidInvoiceTransitionError],
      union: { name: 'UpdateInvoiceResult' },
      result: { name: 'UpdateInvoiceSuccess' },
      dataField: { name: 'invoice' },
    },
    resolve: (_root, { id, input }, ctx) =>
      ctx.invoices.update(parseId(id), validate(updateInvoiceInputSchema, { ...input, ...(input.dueDate !== undefined ? { dueDate: isoDay(input.dueDate) } : {}) })),
  }),
}));

transitionMutation('finalizeInvoice', 'finalize', 'DRAFT -> OPEN.');
transitionMutation('markInvoicePaid', 'markPaid', 'OPEN or UNCOLLECTIBLE -> PAID (paid outside the remote system).');
transitionMutation('voidInvoice', 'void', 'DRAFT, OPEN or UNCOLLECTIBLE -> VOID.');
