import type pg from 'pg';
import type { MessageBus, OutgoingMessage, TopicMessages } from '../../core/kafka/bus.js';
import { getLogger } from '../../core/logger.js';

const log = getLogger('outbox.relay');

/**
 * Only one relay publishes at a time: the one whose connection holds this session advisory lock.
 * So events of one key leave in commit order even with many gateway instances; the others stand by
 * and take over as soon as the leader's connection closes. One relay publishes thousands of events
 * a second, far above what the remote APIs accept.
 */
const RELAY_LOCK_KEY = 0x0b7b0c;
const NOTIFY_CHANNEL = 'outbox_event';

export interface OutboxRelayOptions {
  pool: pg.Pool;
  bus: MessageBus;
  /** Rows per publish batch. */
  batchSize?: number;
  /** Fallback poll (and how often a standby relay checks whether it should lead). */
  pollIntervalMs?: number;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
  /** Messages to send in the same request as a batch (its sync events); must not throw. */
  companions?: (rows: PublishedRow[]) => TopicMessages[];
}

export interface PublishedRow {
  eventId: string;
  topic: string;
  key: string;
  payload: unknown;
}

interface OutboxRow {
  seq: string;
  event_id: string;
  topic: string;
  key: string;
  payload: unknown;
}

export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  /** Dedicated connection: receives NOTIFY, holds the leader lock, runs the relay's queries. */
  private connection: pg.PoolClient | undefined;
  private leader = false;
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
    this.pollTimer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.wake();
    await this.draining;
  }

  /** Stops waking up, waits for the batch in flight, and gives up leadership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.retryTimer);
    await this.draining;
    const connection = this.connection;
    this.connection = undefined;
    this.leader = false;
    if (connection) {
      await connection.query(`UNLISTEN ${NOTIFY_CHANNEL}; SELECT pg_advisory_unlock_all()`).catch(() => undefined);
      connection.release();
    }
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

  private async drain(): Promise<void> {
    try {
      const connection = await this.connect();
      if (!this.leader) {
        const { rows } = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK_KEY]);
        this.leader = rows[0]?.locked === true;
        if (!this.leader) return; // another instance publishes; we check again on the next wake-up
        log.info('this relay now publishes the outbox');
      }
      while (!this.stopped && (await this.publishBatch(connection)) === this.batchSize);
      this.failures = 0;
      await this.pruneIfDue(connection);
    } catch (error) {
      this.failures += 1;
      const delay = Math.min(100 * 2 ** (this.failures - 1), 5_000);
      log.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'outbox publish failed; will retry');
      this.retryLater(delay);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.connection) return this.connection;
    const connection = await this.options.pool.connect();
    connection.on('notification', () => this.wake());
    connection.on('error', (error) => {
      // The lock went with the connection: the next wake-up reconnects and competes for it again.
      log.warn({ err: error }, 'relay connection lost');
      if (this.connection === connection) {
        this.connection = undefined;
        this.leader = false;
      }
      connection.release(error);
      this.retryLater(this.pollIntervalMs);
    });
    // Losing a "published" mark in a database crash only re-publishes those events (same ids,
    // skipped by consumers), so the relay need not wait for its marks to reach the disk.
    await connection.query(`LISTEN ${NOTIFY_CHANNEL}; SET synchronous_commit TO off`);
    this.connection = connection;
    return connection;
  }

  // A timer rather than p-retry's loop: a failed drain must not hold the relay, since a
  // notification or the poll may start a fresh drain in the meantime anyway.
  private retryLater(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.wake(), delayMs);
  }

  /**
   * Reads the oldest unpublished rows (commit order per key: a row's writer held the entity's row
   * lock), publishes them, then marks them. A crash between the two re-publishes the batch with
   * the same event ids, which consumers skip.
   */
  private async publishBatch(connection: pg.PoolClient): Promise<number> {
    const { rows } = await connection.query<OutboxRow>(
      `SELECT seq, event_id, topic, key, payload FROM outbox_event
        WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const published = rows.map((row) => ({ eventId: row.event_id, topic: row.topic, key: row.key, payload: row.payload }));
    await this.options.bus.publishMany([...groupByTopic(rows), ...(this.options.companions?.(published) ?? [])]);
    await connection.query('UPDATE outbox_event SET published_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((row) => row.seq)]);
    log.debug({ count: rows.length }, 'published outbox batch');
    return rows.length;
  }

  private async pruneIfDue(connection: pg.PoolClient): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    const { rowCount } = await connection.query(
      `DELETE FROM outbox_event WHERE published_at < now() - make_interval(secs => $1)`,
      [this.retentionMs / 1000],
    );
    if (rowCount) log.info({ count: rowCount }, 'pruned published outbox rows');
  }
}

function groupByTopic(rows: OutboxRow[]): TopicMessages[] {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({ key: row.key, value: JSON.stringify(row.payload), headers: { 'event-id': row.event_id } });
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
