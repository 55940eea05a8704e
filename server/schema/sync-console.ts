import type { Prisma } from '../../core/db/prisma.js';
import { SyncStatus } from '../../core/db/generated/enums.js';
import { integrationNameSchema } from '../catalog/customers/customer-input.js';
import { builder, MAX_PAGE_SIZE } from './builder.js';
import { safeSummary } from './safe-summary.js';
import { checked } from './sync-conflict.js';
import { SyncStatusEnum } from './sync-state.js';

// What the sync console (/console) reads besides syncEvents, syncConflicts and syncRuns: counts at a
// glance and the entities that are stuck. Any client with sync.read may use them.

interface OverviewRow {
  integration: string;
  catalog: string;
  pending: number;
  synced: number;
  retrying: number;
  failed: number;
  conflicts: number;
}

const SyncOverviewRowRef = builder.objectRef<OverviewRow>('SyncOverviewRow').implement({
  description: 'Links of one integration and catalog by status, and the conflicts recorded (all time, until pruned).',
  fields: (t) => ({
    integration: t.exposeString('integration'),
    catalog: t.exposeString('catalog'),
    pending: t.exposeInt('pending'),
    synced: t.exposeInt('synced'),
    retrying: t.exposeInt('retrying'),
    failed: t.exposeInt('failed'),
    conflicts: t.exposeInt('conflicts'),
  }),
});

const SyncOverviewRef = builder.objectRef<{ rows: OverviewRow[]; at: Date }>('SyncOverview').implement({
  fields: (t) => ({
    integrations: t.field({ type: [SyncOverviewRowRef], resolve: (overview) => overview.rows }),
    generatedAt: t.expose('at', { type: 'DateTime' }),
  }),
});

/** A FAILED or RETRYING pair (a row of id_mapping). */
builder.prismaObject('IdMapping', {
  name: 'SyncProblem',
  description: 'An entity whose sync with one integration failed for good (FAILED) or is being retried (RETRYING).',
  fields: (t) => ({
    id: t.exposeID('id'),
    catalog: t.exposeString('catalog'),
    entityId: t.exposeID('localId'),
    customerId: t.id({ nullable: true, resolve: (row) => (row.catalog === 'customer' ? row.localId : null) }),
    integration: t.exposeString('remoteSystem'),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    status: t.expose('status', { type: SyncStatusEnum }),
    lastError: t.string({ nullable: true, description: 'A safe summary of the last failure.', resolve: (row) => safeSummary(row.lastError) }),
    attempts: t.exposeInt('attempts'),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const ProblemStatusEnum = builder.enumType('SyncProblemStatus', { values: [SyncStatus.FAILED, SyncStatus.RETRYING] as const });

const SyncProblemFilter = builder.inputType('SyncProblemFilter', {
  fields: (t) => ({
    status: t.field({ type: ProblemStatusEnum }),
    integration: t.string(),
  }),
});

type ProblemFilter = { status?: 'FAILED' | 'RETRYING' | null; integration?: string | null } | null | undefined;

function problemWhere(filter: ProblemFilter): Prisma.IdMappingWhereInput {
  return {
    status: filter?.status ? filter.status : { in: [SyncStatus.FAILED, SyncStatus.RETRYING] },
    ...(filter?.integration ? { remoteSystem: checked(integrationNameSchema, filter.integration, 'filter.integration') } : {}),
  };
}

builder.queryFields((t) => ({
  syncOverview: t.field({
    type: SyncOverviewRef,
    authScopes: { scope: 'sync.read' },
    description: 'Per integration and catalog: links by status (PENDING, SYNCED, RETRYING, FAILED) and conflicts. Two grouped queries.',
    resolve: async (_root, _args, ctx) => {
      const [states, conflicts] = await Promise.all([
        ctx.prisma.idMapping.groupBy({ by: ['remoteSystem', 'catalog', 'status'], _count: { _all: true } }),
        ctx.prisma.syncConflict.groupBy({ by: ['integration', 'catalog'], _count: { _all: true } }),
      ]);
      const rows = new Map<string, OverviewRow>();
      const row = (integration: string, catalog: string) => {
        const key = `${integration}\u0000${catalog}`;
        let found = rows.get(key);
        if (!found) rows.set(key, (found = { integration, catalog, pending: 0, synced: 0, retrying: 0, failed: 0, conflicts: 0 }));
        return found;
      };
      for (const group of states) row(group.remoteSystem, group.catalog)[statusKey[group.status]] += group._count._all;
      for (const group of conflicts) row(group.integration, group.catalog).conflicts += group._count._all;
      const sorted = [...rows.values()].sort((a, b) => a.integration.localeCompare(b.integration) || a.catalog.localeCompare(b.catalog));
      return { rows: sorted, at: new Date() };
    },
  }),
  syncProblems: t.prismaConnection(
    {
      type: 'IdMapping',
      authScopes: { scope: 'sync.read' },
      cursor: 'id',
      defaultSize: 20,
      maxSize: MAX_PAGE_SIZE,
      description: 'FAILED and RETRYING entities, most recently changed first, with a safe summary of their last error.',
      args: { filter: t.arg({ type: SyncProblemFilter }) },
      resolve: (query, _root, args, ctx) => ctx.prisma.idMapping.findMany({ ...query, where: problemWhere(args.filter), orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }] }),
      totalCount: (_connection, args, ctx) => ctx.prisma.idMapping.count({ where: problemWhere(args.filter) }),
    },
    { name: 'SyncProblemConnection' },
    { name: 'SyncProblemEdge' },
  ),
}));

const statusKey = { PENDING: 'pending', SYNCED: 'synced', RETRYING: 'retrying', FAILED: 'failed' } as const satisfies Record<SyncStatus, keyof OverviewRow>;

const SyncAccessRef = builder.objectRef<{ principal: string; scopes: string[] }>('SyncAccess').implement({
  description: 'What the calling credential may do with the sync (the console hides what it may not; the API refuses it anyway).',
  fields: (t) => ({
    principal: t.exposeString('principal', { description: "The key's name or the token's subject." }),
    scopes: t.exposeStringList('scopes'),
    canResync: t.boolean({ resolve: (access) => access.scopes.includes('sync.admin') }),
  }),
});

builder.queryFields((t) => ({
  syncAccess: t.field({
    type: SyncAccessRef,
    authScopes: { scope: 'sync.read' },
    resolve: (_root, _args, ctx) => ({ principal: ctx.principal.id, scopes: [...ctx.principal.scopes].sort() }),
  }),
}));
