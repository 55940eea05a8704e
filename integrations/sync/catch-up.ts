import type pg from 'pg';
import type { PrismaClient } from '../../core/db/prisma.js';
import { getLogger } from '../../core/logger.js';
import type { RemoteAccount } from '../../core/sync/link-store.js';
import type { ResolvedAdapter } from '../registry/registry.js';
import { takeRemoteEvent, type WebhookIntakeDeps } from './webhook-intake.js';

/** Events are re-listed this far behind the cursor: late-indexed events are not missed (dedup by id). */
const OVERLAP_MS = 5 * 60_000;

export interface CatchUpOptions extends WebhookIntakeDeps {
  adapter: ResolvedAdapter;
  account: RemoteAccount;
  prisma: PrismaClient;
  /** For the leader's session lock: one catch-up reader per remote account across all processes. */
  pool: pg.Pool;
}

/**
 * Reads a remote system's own event list on start and every interval, and feeds what it finds to
 * the same intake as webhooks (deduplicated by event id), so a change whose webhook never arrived
 * (the process was down, Kafka was down and the sender did not retry) still reaches the catalog.
 * One process leads per remote account, by a session advisory lock; the others stand by.
 */
export class CatchUp {
  private readonly log;
  private readonly name: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private leaderConnection: pg.PoolClient | undefined;
  private stopped = false;

  constructor(private readonly options: CatchUpOptions) {
    this.log = getLogger(`catch-up.${options.adapter.name}`);
    this.name = `catch-up:${options.adapter.name}:${options.account.account}`;
  }

  start(): void {
    const intervalMs = this.options.adapter.instance.catchUp?.intervalMs ?? 0;
    if (intervalMs <= 0) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    this.leaderConnection?.release();
    this.leaderConnection = undefined;
  }

  /** One pass now (tests and the first start); overlapping passes are skipped. */
  tick(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => this.log.warn({ err: error, integration: this.options.adapter.name }, 'catch-up pass failed; next pass retries'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    if (this.stopped || !(await this.lead())) return;
    const catchUp = this.options.adapter.instance.catchUp!;
    const { prisma } = this.options;
    const cursor = await prisma.syncCursor.findUnique({ where: { name: this.name } });
    const since = new Date((cursor ? new Date(cursor.value).getTime() : Date.now()) - OVERLAP_MS);
    const events = await catchUp.listEvents(since);
    let taken = 0;
    let newest = cursor ? new Date(cursor.value) : new Date(Date.now() - OVERLAP_MS);
    for (const event of events) {
      if (this.stopped) return;
      const outcome = await takeRemoteEvent(this.options.adapter, event, this.options);
      if (outcome.status === 'accepted') taken += 1;
      if (event.occurredAt > newest) newest = event.occurredAt;
    }
    await prisma.syncCursor.upsert({
      where: { name: this.name },
      create: { name: this.name, value: newest.toISOString() },
      update: { value: newest.toISOString(), updatedAt: new Date() },
    });
    const context = { integration: this.options.adapter.name, listed: events.length, taken, cursor: newest.toISOString() };
    if (taken > 0) this.log.info(context, 'caught up on remote events no webhook delivered');
    else this.log.debug(context, 'catch-up pass: nothing missed');
  }

  /** Holds (or takes) the leader's session lock; a lost connection gives it up. */
  private async lead(): Promise<boolean> {
    if (this.leaderConnection) return true;
    const connection = await this.options.pool.connect();
    try {
      const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [this.name]);
      if (!rows[0]?.locked) {
        connection.release();
        return false;
      }
    } catch (error) {
      connection.release(error as Error);
      throw error;
    }
    connection.on('error', () => {
      if (this.leaderConnection === connection) this.leaderConnection = undefined;
      connection.release(true);
    });
    this.leaderConnection = connection;
    this.log.info({ integration: this.options.adapter.name }, 'leading the catch-up reader');
    return true;
  }
}
