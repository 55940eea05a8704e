import { GraphQLError } from 'graphql';
import type { Prisma } from '../../core/db/prisma.js';
import {
  addressSchema,
  createCustomerInputSchema,
  customerIdSchema,
  integrationNameSchema,
  normalizeEmail,
  updateCustomerInputSchema,
  validate,
  type Address,
} from '../catalog/customers/customer-input.js';
import { EmailTakenError, NotFoundError, ValidationError } from '../errors.js';
import { builder, checkPageSize, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseIdArgument } from './builder.js';
import { SyncStateRef } from './sync-state.js';

// The customer catalog's GraphQL surface: its type, queries, inputs and mutations.

const AddressRef = builder.objectRef<Address>('Address').implement({
  fields: (t) => ({
    line1: t.exposeString('line1', { nullable: true }),
    line2: t.exposeString('line2', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    state: t.exposeString('state', { nullable: true }),
    postalCode: t.exposeString('postalCode', { nullable: true }),
    country: t.exposeString('country', { nullable: true, description: 'ISO 3166-1 alpha-2' }),
  }),
});

// Select mode: a query reads only the columns its selection needs (each exposed field adds its own),
// not every column of the row (README: Performance).
export const CustomerRef = builder.prismaNode('Customer', {
  id: { field: 'id' },
  select: { id: true },
  findUnique: (id) => ({ id, deletedAt: null }),
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name', { nullable: true }),
    phone: t.exposeString('phone', { nullable: true }),
    address: t.field({
      type: AddressRef,
      nullable: true,
      select: { address: true },
      resolve: (customer) => {
        const parsed = addressSchema.safeParse(customer.address);
        return parsed.success ? parsed.data : null;
      },
    }),
    metadata: t.expose('metadata', { type: 'JSON', nullable: true }),
    version: t.exposeInt('version'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    syncStates: t.field({
      type: [SyncStateRef],
      description: 'Where this customer stands with each integration.',
      select: { id: true },
      resolve: (customer, _args, ctx) => ctx.syncStates.load(customer.id),
    }),
  }),
});

const AddressInput = builder.inputType('AddressInput', {
  fields: (t) => ({
    line1: t.string(),
    line2: t.string(),
    city: t.string(),
    state: t.string(),
    postalCode: t.string(),
    country: t.string({ description: 'ISO 3166-1 alpha-2, e.g. "DE"' }),
  }),
});

const CreateCustomerInput = builder.inputType('CreateCustomerInput', {
  fields: (t) => ({
    email: t.string({ required: true, description: 'Unique among customers, case-insensitively; stored trimmed and lower-cased.' }),
    name: t.string(),
    phone: t.string(),
    address: t.field({ type: AddressInput }),
    metadata: t.field({ type: 'JSON', description: 'Flat object of at most 50 keys with string, number, boolean or null values.' }),
  }),
});

const UpdateCustomerInput = builder.inputType('UpdateCustomerInput', {
  description: 'Only the fields given change; null clears a field (email cannot be cleared).',
  fields: (t) => ({
    email: t.string(),
    name: t.string(),
    phone: t.string(),
    address: t.field({ type: AddressInput }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

const CustomerFilter = builder.inputType('CustomerFilter', {
  fields: (t) => ({
    email: t.string({ description: 'Exact email (case-insensitive).' }),
    search: t.string({ description: 'Substring of the email or name (case-insensitive).' }),
  }),
});

const CustomerOrderField = builder.enumType('CustomerOrderField', { values: ['CREATED_AT', 'UPDATED_AT', 'EMAIL', 'NAME'] as const });
const OrderDirection = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

const CustomerOrderBy = builder.inputType('CustomerOrderBy', {
  fields: (t) => ({
    field: t.field({ type: CustomerOrderField, required: true, defaultValue: 'CREATED_AT' }),
    direction: t.field({ type: OrderDirection, required: true, defaultValue: 'ASC' }),
  }),
});

type FilterArg = { email?: string | null; search?: string | null } | null | undefined;
type OrderArg = { field: 'CREATED_AT' | 'UPDATED_AT' | 'EMAIL' | 'NAME'; direction: 'ASC' | 'DESC' } | null | undefined;

function customerWhere(filter: FilterArg): Prisma.CustomerWhereInput {
  const search = filter?.search?.trim();
  if (search && search.length > 100) {
    throw new GraphQLError('filter.search must be at most 100 characters', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return {
    deletedAt: null,
    ...(filter?.email ? { email: normalizeEmail(filter.email) } : {}),
    ...(search
      ? { OR: [{ email: { contains: search, mode: 'insensitive' } }, { name: { contains: search, mode: 'insensitive' } }] }
      : {}),
  };
}

const ORDER_COLUMNS = { CREATED_AT: 'createdAt', UPDATED_AT: 'updatedAt', EMAIL: 'email', NAME: 'name' } as const;

function customerOrder(orderBy: OrderArg): Prisma.CustomerOrderByWithRelationInput[] {
  const direction = orderBy?.direction === 'DESC' ? 'desc' : 'asc';
  // The id tiebreaker makes the order total, so cursors are stable.
  return [{ [ORDER_COLUMNS[orderBy?.field ?? 'CREATED_AT']]: direction }, { id: direction }];
}


function parseId(id: string | number): string {
  return validate(customerIdSchema, String(id), 'id');
}

builder.queryFields((t) => ({
  customer: t.prismaField({
    authScopes: { scope: 'customers.read' },
    type: 'Customer',
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      return ctx.prisma.customer.findFirst({ ...query, where: { id: parseIdArgument(customerIdSchema, id, 'a customer id'), deletedAt: null } });
    },
  }),
  customers: t.prismaConnection(
    {
      authScopes: { scope: 'customers.read' },
      type: 'Customer',
      cursor: 'id',
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
      args: {
        filter: t.arg({ type: CustomerFilter }),
        orderBy: t.arg({ type: CustomerOrderBy }),
      },
      resolve: (query, _root, args, ctx) => {
        checkPageSize(args);
        return ctx.prisma.customer.findMany({ ...query, where: customerWhere(args.filter), orderBy: customerOrder(args.orderBy) });
      },
      totalCount: (_connection, args, ctx) => ctx.prisma.customer.count({ where: customerWhere(args.filter) }),
    },
    { name: 'CustomerConnection' },
    { name: 'CustomerEdge' },
  ),
}));

builder.mutationFields((t) => ({
  createCustomer: t.field({
    authScopes: { scope: 'customers.write' },
    type: CustomerRef,
    args: { input: t.arg({ type: CreateCustomerInput, required: true }) },
    errors: {
      types: [ValidationError, EmailTakenError],
      union: { name: 'CreateCustomerResult' },
      result: { name: 'CreateCustomerSuccess' },
      dataField: { name: 'customer' },
    },
    resolve: (_root, { input }, ctx) => ctx.customers.create(validate(createCustomerInputSchema, input)),
  }),
  updateCustomer: t.field({
    authScopes: { scope: 'customers.write' },
    type: CustomerRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateCustomerInput, required: true }) },
    errors: {
      types: [ValidationError, NotFoundError, EmailTakenError],
      union: { name: 'UpdateCustomerResult' },
      result: { name: 'UpdateCustomerSuccess' },
      dataField: { name: 'customer' },
    },
    resolve: (_root, { id, input }, ctx) => ctx.customers.update(parseId(id), validate(updateCustomerInputSchema, input)),
  }),
  resyncCustomer: t.field({
    authScopes: { scope: 'sync.admin' },
    type: CustomerRef,
    description: "Re-sends the customer's current state to one integration (repairs a FAILED sync).",
    args: { id: t.arg.id({ required: true }), integration: t.arg.string({ required: true }) },
    errors: {
      types: [ValidationError, NotFoundError],
      union: { name: 'ResyncCustomerResult' },
      result: { name: 'ResyncCustomerSuccess' },
      dataField: { name: 'customer' },
    },
    resolve: (_root, args, ctx) => ctx.customers.resync(parseId(args.id), validate(integrationNameSchema, args.integration, 'integration')),
  }),
  deleteCustomer: t.field({
    authScopes: { scope: 'customers.write' },
    type: 'ID',
    args: { id: t.arg.id({ required: true }) },
    errors: {
      types: [NotFoundError],
      union: { name: 'DeleteCustomerResult' },
      result: { name: 'DeleteCustomerSuccess' },
      dataField: { name: 'deletedId' },
    },
    resolve: async (_root, { id }, ctx) => {
      const parsed = customerIdSchema.safeParse(String(id));
      // A string that cannot be an id names no customer: not found, like any other unknown id.
      if (!parsed.success) throw new NotFoundError('Customer', String(id));
      return (await ctx.customers.delete(parsed.data)).id;
    },
  }),
}));
