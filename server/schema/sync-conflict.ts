import { ConflictKind } from '../../core/db/generated/enums.js';
import type { Prisma } from '../../core/db/prisma.js';
import { GraphQLError } from 'graphql';
import type { z } from 'zod';
import { customerIdSchema, integrationNameSchema } from '../catalog/customers/customer-input.js';
import { builder, MAX_PAGE_SIZE } from './builder.js';
import { CustomerRef } from './customer.js';

// Conflicts the sync met and how each was settled (docs/architecture.md, "Conflicts").

const ConflictKindEnum = builder.enumType(ConflictKind, {
  name: 'ConflictKind',
  description: 'FIELD: one field changed on both sides. DELETE_VS_UPDATE: the delete won. DUPLICATE_REMOTE: a remote object with a linked customer\'s email, left unlinked. LINK_MISMATCH: a remote object naming another local id, ignored.',
});

builder.prismaObject('SyncConflict', {
  fields: (t) => ({
    id: t.exposeID('id'),
    catalog: t.exposeString('catalog'),
    entityId: t.exposeID('entityId', { nullable: true, description: 'The local entity (for DUPLICATE_REMOTE, the linked one whose email the remote object shares).' }),
    integration: t.exposeString('integration'),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    kind: t.expose('kind', { type: ConflictKindEnum }),
    field: t.exposeString('field', { nullable: true, description: 'The field; metadata keys as `metadata.<key>`.' }),
    localValue: t.expose('localValue', { type: 'JSON', nullable: true }),
    remoteValue: t.expose('remoteValue', { type: 'JSON', nullable: true }),
    winner: t.exposeString('winner', { description: '`local`, `remote`, or `none` (recorded only).' }),
    policy: t.exposeString('policy', { description: 'What decided: `latest`, `local`, `remote`, `delete-wins`, `links-are-never-stolen`, or a reconcile repair as `reconcile-<direction>:<reason>` (e.g. `reconcile-latest:only-remote-changed`).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const SyncConflictFilter = builder.inputType('SyncConflictFilter', {
  fields: (t) => ({
    catalog: t.string(),
    entityId: t.id(),
    integration: t.string(),
    kind: t.field({ type: ConflictKindEnum }),
  }),
});

type Filter = { catalog?: string | null; entityId?: string | number | null; integration?: string | null; kind?: ConflictKind | null } | null | undefined;

function conflictWhere(filter: Filter): Prisma.SyncConflictWhereInput {
  return {
    ...(filter?.catalog ? { catalog: filter.catalog } : {}),
    ...(filter?.entityId != null ? { entityId: checked(customerIdSchema, String(filter.entityId), 'filter.entityId') } : {}),
    ...(filter?.integration ? { integration: checked(integrationNameSchema, filter.integration, 'filter.integration') } : {}),
    ...(filter?.kind ? { kind: filter.kind } : {}),
  };
}

/** A filter argument parsed, or a BAD_USER_INPUT error naming it (queries have no result unions). */
export function checked<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (!result.success) throw new GraphQLError(`${name}: ${result.error.issues[0]?.message ?? 'invalid'}`, { extensions: { code: 'BAD_USER_INPUT' } });
  return result.data;
}

const newestFirst = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

builder.queryFields((t) => ({
  syncConflicts: t.prismaConnection(
    {
      type: 'SyncConflict',
      authScopes: { scope: 'sync.read' },
      cursor: 'id',
      defaultSize: 20,
      maxSize: MAX_PAGE_SIZE,
      description: 'Conflicts the sync met, newest first.',
      args: { filter: t.arg({ type: SyncConflictFilter }) },
      resolve: (query, _root, args, ctx) => ctx.prisma.syncConflict.findMany({ ...query, where: conflictWhere(args.filter), orderBy: newestFirst }),
      totalCount: (_connection, args, ctx) => ctx.prisma.syncConflict.count({ where: conflictWhere(args.filter) }),
    },
    { name: 'SyncConflictConnection' },
    { name: 'SyncConflictEdge' },
  ),
}));

builder.prismaObjectField(CustomerRef, 'syncConflicts', (t) =>
  t.prismaField({
    type: ['SyncConflict'],
    authScopes: { scope: 'sync.read' },
    description: 'The most recent conflicts about this customer, newest first.',
    args: { first: t.arg.int({ defaultValue: 20 }) },
    select: { id: true },
    resolve: (query, customer, args, ctx) =>
      ctx.prisma.syncConflict.findMany({ ...query, where: { catalog: 'customer', entityId: customer.id }, orderBy: newestFirst, take: Math.min(Math.max(args.first ?? 20, 0), MAX_PAGE_SIZE) }),
  }),
);
