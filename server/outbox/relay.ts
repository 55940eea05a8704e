import type pg from 'pg';
import type { MessageBus, OutgoingMessage } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';

const log = getLogger('outbox.relay');

/**
 * Any one relay publishes at a time (a transaction-level advisory lock), so events of one key leave
 * in commit order even with many gateway instances; the others stand by and take over at once if
 * it stops. One relay publishes thousands of events a second, far above the remote APIs' limits.
 */
const RELAY_LOCK_KEY = 0x0b7b0c;
const NOTIFY_CHANNEL = 'outbox_event';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  bus: MessageBus;
  /** Rows per publish batch. */
  batchSize?: number;
  /** Fallback poll, for notifications missed while the LISTEN connection was down. */
  pollIntervalMs?: number;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
  /** Called after each committed batch with what was published (for metrics and sync events). */
  onPublished?: (rows: PublishedRow[]) => void;
}

export interface PublishedRow {
  eventId: string;
  topic: string;
  key: string;
  payload: unknown;
  createdAt: Date;
}

interface OutboxRow {
  seq: string;
  event_id: string;
  topic: string;
  key: string;
  payload: unknown;
  created_at: Date;
}

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private listener: pg.PoolClient | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private wakeAgain = false;
  private stopped = true;
  private failures = 0;
  private lastPrune = 0;

  constructor(private readonly options: OutboxRelayOptions) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 2_000;
    this.retentionMs = options.retentionMs ?? 24 * 3_600_000;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.listen();
    this.pollTimer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.wake();
  }

  /** Stops waking up and waits for the batch in flight (if any) to commit. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${NOTIFY_CHANNEL}`).catch(() => undefined);
      listener.release();
    }
    await this.draining;
  }

  /** Publishes everything pending now; coalesces concurrent wake-ups into one drain. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async listen(): Promise<void> {
    try {
      const client = await this.options.pool.connect();
      client.on('notification', () => this.wake());
      client.on('error', (error) => {
        log.warn({ err: error }, 'LISTEN connection lost; polling until it is back');
        if (this.listener === client) this.listener = undefined;
        client.release(error);
        this.scheduleRelisten();
      });
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.listener = client;
    } catch (error) {
      log.warn({ err: error }, 'could not LISTEN for outbox notifications; polling until it works');
      this.scheduleRelisten();
    }
  }

  private scheduleRelisten(): void {
    if (this.stopped) return;
    setTimeout(() => {
      if (!this.stopped && !this.listener) void this.listen().then(() => this.wake());
    }, this.pollIntervalMs).unref();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const result = await this.publishBatch();
        if (result === 'locked') {
          // Another instance is publishing: look again shortly, in case it finished its last
          // batch just before our rows committed.
          this.retryLater(25);
          return;
        }
        if (result < this.batchSize || this.stopped) break;
      }
      this.failures = 0;
      await this.pruneIfDue();
    } catch (error) {
      this.failures += 1;
      const delay = Math.min(100 * 2 ** (this.failures - 1), 5_000);
      log.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'outbox publish failed; will retry');
      this.retryLater(delay);
    }
  }

  // A hand-rolled timer rather than p-retry: a failed drain must not hold the relay in a retry
  // loop, since a notification or the poll may start a fresh drain in the meantime anyway.
  private retryLater(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), delayMs);
  }

  /** One batch in one transaction: lock, read in commit order, publish, mark published. */
  private async publishBatch(): Promise<number | 'locked'> {
    const client = await this.options.pool.connect();
    try {
      await client.query('BEGIN');
      const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK_KEY]);
      if (!lock.rows[0]?.locked) {
        await client.query('ROLLBACK');
        return 'locked';
      }
      const { rows } = await client.query<OutboxRow>(
        `SELECT seq, event_id, topic, key, payload, created_at FROM outbox_event
          WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
        [this.batchSize],
      );
      if (rows.length > 0) {
        for (const [topic, messages] of groupByTopic(rows)) await this.options.bus.publish(topic, messages);
        await client.query('UPDATE outbox_event SET published_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((row) => row.seq)]);
      }
      await client.query('COMMIT');
      if (rows.length > 0) {
        log.debug({ count: rows.length }, 'published outbox batch');
        this.options.onPublished?.(
          rows.map((row) => ({ eventId: row.event_id, topic: row.topic, key: row.key, payload: row.payload, createdAt: row.created_at })),
        );
      }
      return rows.length;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async pruneIfDue(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    const { rowCount } = await this.options.pool.query(
      `DELETE FROM outbox_event WHERE published_at < now() - make_interval(secs => $1)`,
      [this.retentionMs / 1000],
    );
    if (rowCount) log.info({ count: rowCount }, 'pruned published outbox rows');
  }
}

function groupByTopic(rows: OutboxRow[]): Map<string, OutgoingMessage[]> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({ key: row.key, value: JSON.stringify(row.payload), headers: { 'event-id': row.event_id } });
    byTopic.set(row.topic, messages);
  }
  return byTopic;
}
