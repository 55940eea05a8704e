import { GraphQLError } from 'graphql';
import { SyncRunStatus } from '../../core/db/generated/enums.js';
import { customerIdSchema, integrationNameSchema } from '../catalog/customers/customer-input.js';
import { integrationNames } from '../runs/integrations.js';
import { builder, MAX_PAGE_SIZE } from './builder.js';

// The operator's view (README: Operations): backfill runs, sync status, dead letters. The sync CLI
// (`npm run sync`) is a client of these fields; runs execute inside the processes.

const SyncRunStatusEnum = builder.enumType(SyncRunStatus, { name: 'SyncRunStatus' });
const SyncRunKindEnum = builder.enumType('SyncRunKind', {
  values: { IMPORT: { value: 'import' }, EXPORT: { value: 'export' }, RECONCILE: { value: 'reconcile' } } as const,
  description:
    'IMPORT: every remote object into the catalog (links by local id, then email). EXPORT: every unlinked local customer to the remote system. RECONCILE: compares every linked pair field by field; the report holds drift per field, a sample and orphans on both sides.',
});

const ReconcileRepairEnum = builder.enumType('ReconcileRepair', {
  values: { REMOTE: { value: 'remote' }, LOCAL: { value: 'local' }, LATEST: { value: 'latest' } } as const,
  description:
    'Which side of a drifted pair is repaired. REMOTE: a resync event per drifted pair, so the remote object takes the local values. ' +
    'LOCAL: the local entity takes the remote values, applied by the inbound merge (conflicts recorded, sync events). ' +
    'LATEST: per drifted field, the side changed last wins: the side that departed from the base (the value both last agreed on) if only one did, ' +
    "else the later of the local row's last commit and the remote object's newest event (a tie or an unknown remote time: local).",
});

builder.prismaObject('SyncRun', {
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.exposeString('kind'),
    integration: t.exposeString('integration'),
    catalog: t.exposeString('catalog'),
    status: t.expose('status', { type: SyncRunStatusEnum }),
    dryRun: t.exposeBoolean('dryRun'),
    options: t.expose('options', { type: 'JSON' }),
    cursor: t.exposeString('cursor', { nullable: true }),
    pages: t.exposeInt('pages'),
    seen: t.exposeInt('seen'),
    created: t.exposeInt('created'),
    updated: t.exposeInt('updated'),
    linked: t.exposeInt('linked'),
    skipped: t.exposeInt('skipped'),
    failed: t.exposeInt('failed'),
    report: t.expose('report', { type: 'JSON', nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', nullable: true }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const StartSyncRunInput = builder.inputType('StartSyncRunInput', {
  fields: (t) => ({
    kind: t.field({ type: SyncRunKindEnum, required: true }),
    integration: t.string({ required: true }),
    /** Only objects created since (remote ones for import and reconcile, local ones for export). */
    since: t.field({ type: 'DateTime' }),
    /** Reconcile: the direction to repair drift in (none: report only). */
    repair: t.field({ type: ReconcileRepairEnum }),
    /**
     * Reconcile: remove orphans (a remote object of a deleted local entity is deleted remotely; a
     * local entity whose remote object is gone is unlinked and exported again). Default: report only.
     */
    deleteOrphans: t.boolean({ defaultValue: false }),
    dryRun: t.boolean({ defaultValue: false }),
  }),
});

const ConsumerLagRef = builder.objectRef<{ group: string; topic: string; lag: number }>('ConsumerLag').implement({
  fields: (t) => ({ group: t.exposeString('group'), topic: t.exposeString('topic'), lag: t.exposeInt('lag') }),
});

interface IntegrationStatus {
  integration: string;
  catalog: string;
  linked: number;
  unlinked: number;
  pending: number;
  synced: number;
  retrying: number;
  failed: number;
  conflicts: number;
  deadLetters: number;
  catchUpCursor: string | null;
}

const IntegrationStatusRef = builder.objectRef<IntegrationStatus>('IntegrationSyncStatus').implement({
  fields: (t) => ({
    integration: t.exposeString('integration'),
    catalog: t.exposeString('catalog'),
    linked: t.exposeInt('linked', { description: 'Live local entities linked to a remote object.' }),
    unlinked: t.exposeInt('unlinked', { description: 'Live local entities with no remote object.' }),
    pending: t.exposeInt('pending'),
    synced: t.exposeInt('synced'),
    retrying: t.exposeInt('retrying'),
    failed: t.exposeInt('failed'),
    conflicts: t.exposeInt('conflicts', { description: 'Conflicts recorded (all time, until pruned).' }),
    deadLetters: t.exposeInt('deadLetters', { description: 'FAILED pairs whose change was dead-lettered, awaiting replay.' }),
    catchUpCursor: t.exposeString('catchUpCursor', { nullable: true, description: 'Time of the newest remote event read by catch-up.' }),
  }),
});

const SyncStatusRef = builder.objectRef<{ integrations: IntegrationStatus[]; consumerLag: Array<{ group: string; topic: string; lag: number }> }>('SyncStatusReport').implement({
  fields: (t) => ({
    integrations: t.field({ type: [IntegrationStatusRef], resolve: (report) => report.integrations }),
    consumerLag: t.field({ type: [ConsumerLagRef], resolve: (report) => report.consumerLag }),
  }),
});

interface DeadLetter {
  customerId: string;
  integration: string;
  remoteId: string | null;
  error: string | null;
  attempts: number;
  failedAt: Date;
}

const DeadLetterRef = builder.objectRef<DeadLetter>('DeadLetter').implement({
  description: 'A pair whose change failed for good (FAILED) and went to the dead-letter topic.',
  fields: (t) => ({
    customerId: t.exposeID('customerId'),
    integration: t.exposeString('integration'),
    remoteId: t.exposeString('remoteId', { nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    failedAt: t.expose('failedAt', { type: 'DateTime' }),
  }),
});

function integrationArg(value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  const parsed = integrationNameSchema.safeParse(value);
  if (!parsed.success || !integrationNames.includes(parsed.data)) {
    throw new GraphQLError(`integration: "${value}" is not one of ${integrationNames.join(', ')}`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return parsed.data;
}

const failedWhere = (integration: string | undefined, since: Date | null | undefined) => ({
  catalog: 'customer',
  status: 'FAILED' as const,
  ...(integration ? { remoteSystem: integration } : {}),
  ...(since ? { updatedAt: { gte: since } } : {}),
});

builder.queryFields((t) => ({
  syncRuns: t.prismaConnection(
    {
      type: 'SyncRun',
      authScopes: { scope: 'sync.read' },
      cursor: 'id',
      defaultSize: 20,
      maxSize: MAX_PAGE_SIZE,
      description: 'Backfill runs, newest first.',
      resolve: (query, _root, _args, ctx) => ctx.prisma.syncRun.findMany({ ...query, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
      totalCount: (_connection, _args, ctx) => ctx.prisma.syncRun.count(),
    },
    { name: 'SyncRunConnection' },
    { name: 'SyncRunEdge' },
  ),
  syncRun: t.prismaField({
    type: 'SyncRun',
    nullable: true,
    authScopes: { scope: 'sync.read' },
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, { id }, ctx) => {
      const parsed = customerIdSchema.safeParse(String(id));
      return parsed.success ? ctx.prisma.syncRun.findUnique({ ...query, where: { id: parsed.data } }) : null;
    },
  }),
  syncStatus: t.field({
    type: SyncStatusRef,
    authScopes: { scope: 'sync.read' },
    description: 'Per integration and catalog: links by status, conflicts, dead letters, catch-up cursor; consumer lag per group.',
    resolve: async (_root, _args, ctx) => ({
      integrations: await Promise.all(integrationNames.map((integration) => integrationStatus(ctx.prisma, integration))),
      consumerLag: (await ctx.consumerLag?.()) ?? [],
    }),
  }),
  deadLetters: t.field({
    type: [DeadLetterRef],
    authScopes: { scope: 'sync.read' },
    description: 'FAILED pairs (their change was dead-lettered), newest first, at most 100.',
    args: { integration: t.arg.string(), since: t.arg({ type: 'DateTime' }) },
    resolve: async (_root, args, ctx) => {
      const rows = await ctx.prisma.idMapping.findMany({ where: failedWhere(integrationArg(args.integration), args.since), orderBy: { updatedAt: 'desc' }, take: MAX_PAGE_SIZE });
      return rows.map((row) => ({ customerId: row.localId, integration: row.remoteSystem, remoteId: row.remoteId, error: row.lastError, attempts: row.attempts, failedAt: row.updatedAt }));
    },
  }),
}));

builder.mutationFields((t) => ({
  startSyncRun: t.prismaField({
    type: 'SyncRun',
    authScopes: { scope: 'sync.admin' },
    description: 'Starts a backfill run; it executes inside the processes (it survives the caller) and resumes from its cursor after a crash.',
    args: { input: t.arg({ type: StartSyncRunInput, required: true }) },
    resolve: (query, _root, { input }, ctx) => {
      if (input.kind !== 'reconcile' && (input.repair || input.deleteOrphans)) {
        throw new GraphQLError('repair and deleteOrphans apply to RECONCILE runs only', { extensions: { code: 'BAD_USER_INPUT' } });
      }
      return ctx.prisma.syncRun.create({
        ...query,
        data: {
          kind: input.kind,
          integration: integrationArg(input.integration)!,
          dryRun: input.dryRun ?? false,
          options: {
            ...(input.since ? { since: input.since.toISOString() } : {}),
            ...(input.repair ? { repair: input.repair } : {}),
            ...(input.deleteOrphans ? { deleteOrphans: true } : {}),
          },
        },
      });
    },
  }),
  replayDeadLetters: t.field({
    type: 'Int',
    authScopes: { scope: 'sync.admin' },
    description: "Re-sends each FAILED customer's current state to its integration (after the cause is fixed); returns how many.",
    args: { integration: t.arg.string(), since: t.arg({ type: 'DateTime' }) },
    resolve: async (_root, args, ctx) => {
      const rows = await ctx.prisma.idMapping.findMany({ where: failedWhere(integrationArg(args.integration), args.since), take: 1_000 });
      let replayed = 0;
      for (const row of rows) {
        const customer = await ctx.prisma.customer.findFirst({ where: { id: row.localId, deletedAt: null }, select: { id: true } });
        if (!customer) continue;
        await ctx.customers.resync(row.localId, row.remoteSystem);
        replayed += 1;
      }
      return replayed;
    },
  }),
}));

async function integrationStatus(prisma: import('../../core/db/prisma.js').PrismaClient, integration: string): Promise<IntegrationStatus> {
  type Counted = 'linked' | 'unlinked' | 'pending' | 'synced' | 'retrying' | 'failed' | 'conflicts';
  const [counts] = await prisma.$queryRaw<Array<Record<Counted, bigint>>>`
    SELECT
      (SELECT count(*) FROM customer c JOIN id_mapping m ON m.local_id = c.id AND m.catalog = 'customer' AND m.remote_system = ${integration}
        WHERE c.deleted_at IS NULL AND m.remote_id IS NOT NULL) AS linked,
      (SELECT count(*) FROM customer c WHERE c.deleted_at IS NULL AND NOT EXISTS (
         SELECT 1 FROM id_mapping m WHERE m.local_id = c.id AND m.catalog = 'customer' AND m.remote_system = ${integration} AND m.remote_id IS NOT NULL)) AS unlinked,
      (SELECT count(*) FROM id_mapping WHERE catalog = 'customer' AND remote_system = ${integration} AND status = 'PENDING') AS pending,
      (SELECT count(*) FROM id_mapping WHERE catalog = 'customer' AND remote_system = ${integration} AND status = 'SYNCED') AS synced,
      (SELECT count(*) FROM id_mapping WHERE catalog = 'customer' AND remote_system = ${integration} AND status = 'RETRYING') AS retrying,
      (SELECT count(*) FROM id_mapping WHERE catalog = 'customer' AND remote_system = ${integration} AND status = 'FAILED') AS failed,
      (SELECT count(*) FROM sync_conflict WHERE catalog = 'customer' AND integration = ${integration}) AS conflicts`;
  const cursor = await prisma.syncCursor.findFirst({ where: { name: { startsWith: `catch-up:${integration}:` } }, orderBy: { updatedAt: 'desc' } });
  const n = (key: Counted) => Number(counts![key]);
  return {
    integration,
    catalog: 'customer',
    linked: n('linked'),
    unlinked: n('unlinked'),
    pending: n('pending'),
    synced: n('synced'),
    retrying: n('retrying'),
    failed: n('failed'),
    conflicts: n('conflicts'),
    deadLetters: n('failed'),
    catchUpCursor: cursor?.value ?? null,
  };
}
