import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '../db/prisma.js';
import type { SyncRun } from '../db/generated/client.js';
import type { SyncEventPublisher } from '../events/sync-event-publisher.js';
import { getLogger } from '../logger.js';
import { metrics } from '../metrics/metrics.js';

const log = getLogger('runs');

export const RUN_COUNTS = ['seen', 'created', 'updated', 'linked', 'skipped', 'failed'] as const;
export type RunCounts = Record<(typeof RUN_COUNTS)[number], number>;

/** What a handler reports after each unit of work (a page): counts to add and the new cursor. */
export interface RunStep {
  cursor: string | null;
  counts?: Partial<RunCounts>;
  pages?: number;
  report?: unknown;
}

export interface RunContext {
  /** Records a step durably (counts, cursor, lease). False when the run must stop (shutdown). */
  checkpoint(step: RunStep): Promise<boolean>;
  readonly stopping: boolean;
}

/** Executes runs of some kinds; resolves when done (or when ctx says stop). */
export type RunHandler = (run: SyncRun, ctx: RunContext) => Promise<void>;

export interface RunExecutorOptions {
  prisma: PrismaClient;
  syncEvents: SyncEventPublisher;
  /** Kind → handler: which runs this process executes. */
  handlers: Record<string, RunHandler>;
  integrations: string[];
  /** A RUNNING run whose lease is older than this is taken over (its process died). */
  leaseMs?: number;
  pollMs?: number;
  progressEveryMs?: number;
}

/**
 * Claims runs from `sync_run` (oldest first, `FOR UPDATE SKIP LOCKED`, so several processes share
 * them) and executes them one at a time. Progress is durable: every checkpoint stores the counts
 * and cursor and extends the lease; a killed process's run is resumed from its cursor by whichever
 * process claims it after the lease expires. A clean shutdown hands the run back at once.
 * SYNC_RUN_PROGRESS is published at most about once a second.
 */
export class RunExecutor {
  private readonly owner = `runner-${randomUUID()}`;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: RunExecutorOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.current?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.current = this.tick().catch((error: unknown) => log.error({ err: error }, 'run executor failed; trying again'));
      void this.current.finally(() => this.schedule(this.options.pollMs ?? 1_000));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const run = await this.claim();
    if (!run) return;
    await this.execute(run);
  }

  private async claim(): Promise<SyncRun | null> {
    const kinds = Object.keys(this.options.handlers);
    const rows = await this.options.prisma.$queryRaw<Array<{ id: string }>>`
      UPDATE sync_run SET status = 'RUNNING', lease_owner = ${this.owner},
             lease_until = now() + make_interval(secs => ${this.leaseMs / 1000}),
             started_at = coalesce(started_at, now()), updated_at = now()
       WHERE id = (SELECT id FROM sync_run
                    WHERE kind = ANY(${kinds}) AND integration = ANY(${this.options.integrations})
                      AND (status = 'PENDING' OR (status = 'RUNNING' AND (lease_until IS NULL OR lease_until < now())))
                    ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    if (rows.length === 0) return null;
    return this.options.prisma.syncRun.findUniqueOrThrow({ where: { id: rows[0]!.id } });
  }

  private async execute(run: SyncRun): Promise<void> {
    const handler = this.options.handlers[run.kind]!;
    const fields = { runId: run.id, kind: run.kind, integration: run.integration, cursor: run.cursor, dryRun: run.dryRun };
    log.info(fields, run.cursor ? 'resuming run from its cursor' : 'starting run');
    const labels = { integration: run.integration, kind: run.kind };
    metrics.runsActive.inc(labels);
    let lastProgress = 0;
    let state = run;
    const ctx: RunContext = {
      get stopping() {
        return executor.stopped;
      },
      checkpoint: async (step) => {
        const increments = Object.fromEntries(RUN_COUNTS.map((name) => [name, { increment: step.counts?.[name] ?? 0 }]));
        state = await this.options.prisma.syncRun.update({
          where: { id: run.id, leaseOwner: this.owner },
          data: {
            ...increments,
            pages: { increment: step.pages ?? 1 },
            cursor: step.cursor,
            ...(step.report !== undefined ? { report: step.report as object } : {}),
            leaseUntil: new Date(Date.now() + this.leaseMs),
            updatedAt: new Date(),
          },
        });
        for (const name of RUN_COUNTS) metrics.runItems.set({ ...labels, count: name }, state[name]);
        if (Date.now() - lastProgress >= (this.options.progressEveryMs ?? 1_000)) {
          lastProgress = Date.now();
          await this.progress(state);
        }
        return !executor.stopped;
      },
    };
    const executor = this;
    try {
      await handler(run, ctx);
      if (this.stopped) {
        // Handed back: another process (or this one after a restart) resumes from the cursor.
        await this.options.prisma.syncRun.updateMany({ where: { id: run.id, leaseOwner: this.owner }, data: { leaseUntil: null, leaseOwner: null } });
        log.info({ ...fields, cursor: state.cursor }, 'run handed back at shutdown');
        return;
      }
      state = await this.options.prisma.syncRun.update({ where: { id: run.id }, data: { status: 'SUCCEEDED', finishedAt: new Date(), leaseOwner: null, leaseUntil: null, updatedAt: new Date() } });
      log.info({ ...fields, seen: state.seen, created: state.created, linked: state.linked, updated: state.updated, skipped: state.skipped, failed: state.failed }, 'run finished');
    } catch (error) {
      const message = error instanceof Error ? error.message.replace(/\s+/g, ' ').slice(0, 500) : String(error);
      log.error({ ...fields, err: error }, 'run failed');
      state = await this.options.prisma.syncRun.update({ where: { id: run.id }, data: { status: 'FAILED', error: message, finishedAt: new Date(), leaseOwner: null, leaseUntil: null, updatedAt: new Date() } });
    } finally {
      metrics.runsActive.dec(labels);
    }
    await this.progress(state);
  }

  private async progress(run: SyncRun): Promise<void> {
    const counts = RUN_COUNTS.map((name) => `${name} ${run[name]}`).join(', ');
    await this.options.syncEvents.publish({
      type: 'SYNC_RUN_PROGRESS',
      catalog: run.catalog,
      entityId: run.id,
      integration: run.integration,
      message: `${run.kind} ${run.status.toLowerCase()}${run.dryRun ? ' (dry run)' : ''}: ${counts}; pages ${run.pages}`,
    });
  }
}
