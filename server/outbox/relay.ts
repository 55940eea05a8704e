import { metrics } from '../../core/metrics/metrics.js';
import type pg from 'pg';
import type { MessageBus, OutgoingMessage, TopicMessages } from '../../core/kafka/bus.js';
import { MAX_PRODUCE_BATCH_BYTES, messageBytes } from '../../core/kafka/limits.js';
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

/**
 * Half-open connections (the peer vanished without a FIN) must not keep a relay leading, nor keep
 * its lock held, for hours. Client side: every query on the relay's connection has this timeout,
 * and a connection that fails one is dropped, which ends the leadership (the leader runs one every
 * poll interval, so it notices within pollInterval + this). Server side: Postgres probes the relay's
 * connection after 5 s idle (3 probes, 2 s apart) and ends a dead session, releasing its lock, so a
 * standby takes over about 11 s after a leader disappeared.
 */
const RELAY_QUERY_TIMEOUT_MS = 5_000;
const SERVER_KEEPALIVE = 'SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3';

/** The Kafka publish failed: the connection is fine and stays. */
class PublishError extends Error {
  override name = 'PublishError';
  constructor(cause: unknown) {
    super(`publishing the outbox batch failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

export interface OutboxRelayOptions {
  pool: pg.Pool;
  bus: MessageBus;
  /** Rows per publish batch. */
  batchSize?: number;
  /** Bytes per publish batch (messages and their companions); at most MAX_PRODUCE_BATCH_BYTES. */
  batchMaxBytes?: number;
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
  private readonly batchMaxBytes: number;
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
    this.batchMaxBytes = Math.min(options.batchMaxBytes ?? MAX_PRODUCE_BATCH_BYTES, MAX_PRODUCE_BATCH_BYTES);
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
        const { rows } = await query<{ locked: boolean }>(connection, 'SELECT pg_try_advisory_lock($1) AS locked', [RELAY_LOCK_KEY]);
        this.leader = rows[0]?.locked === true;
        if (!this.leader) return; // another instance publishes; we check again on the next wake-up
        log.info('this relay now publishes the outbox');
      }
      while (!this.stopped && (await this.publishBatch(connection)) === 'more');
      this.failures = 0;
      await this.pruneIfDue(connection);
    } catch (error) {
      // Anything but a Kafka failure may be a broken connection: drop it, and the lock with it.
      if (!(error instanceof PublishError)) this.dropConnection(error);
      this.failures += 1;
      // Capped at 2 s so that publishing resumes within about that once Kafka is back.
      const delay = Math.min(100 * 2 ** (this.failures - 1), 2_000);
      log.warn({ err: error, attempt: this.failures, retryInMs: delay }, 'outbox publish failed; will retry');
      this.retryLater(delay);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    if (this.connection) return this.connection;
    const connection = await this.options.pool.connect();
    connection.on('notification', () => this.wake());
    this.connection = connection;
    connection.on('error', (error) => {
      this.dropConnection(error);
      this.retryLater(Math.min(this.pollIntervalMs, 1_000));
    });
    // Losing a "published" mark in a database crash only re-publishes those events (same ids,
    // skipped by consumers), so the relay need not wait for its marks to reach the disk.
    await query(connection, `LISTEN ${NOTIFY_CHANNEL}; SET synchronous_commit TO off; ${SERVER_KEEPALIVE}`);
    return connection;
  }

  /** Closes the relay's connection for good; its session, and so the leader lock, end with it. */
  private dropConnection(error: unknown): void {
    const connection = this.connection;
    if (!connection) return;
    this.connection = undefined;
    if (this.leader) log.warn({ err: error }, 'relay connection lost; no longer publishing the outbox');
    else log.warn({ err: error }, 'relay connection lost');
    this.leader = false;
    connection.release(error instanceof Error ? error : new Error(String(error)));
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
   *
   * A batch is bounded by rows and by bytes, so that no produce request can exceed the broker's
   * limit (one that can never be accepted would be retried for ever, for every customer): Postgres
   * pre-selects by the rows' running size, then the exact size of what is sent (messages and their
   * companions) trims the tail. The first row always goes: appendToOutbox caps one event far below
   * a batch. Returns 'done' once nothing is pending; the caller drains until then.
   */
  private async publishBatch(connection: pg.PoolClient): Promise<'more' | 'done'> {
    const { rows } = await query<OutboxRow>(
      connection,
      `SELECT seq, event_id, topic, key, payload FROM (
         SELECT *, sum(octet_length(payload::text)) OVER (ORDER BY seq) - octet_length(payload::text) AS bytes_before
           FROM (SELECT seq, event_id, topic, key, payload FROM outbox_event
                  WHERE published_at IS NULL ORDER BY seq LIMIT $1) oldest) sized
        WHERE bytes_before < $2 ORDER BY seq`,
      [this.batchSize, this.batchMaxBytes],
    );
    if (rows.length === 0) return 'done';
    const batch = this.fitToBytes(rows);
    const published = batch.map(toPublishedRow);
    await this.options.bus.publishMany([...groupByTopic(batch), ...(this.options.companions?.(published) ?? [])]).catch((error: unknown) => {
      throw new PublishError(error);
    });
    await query(connection, 'UPDATE outbox_event SET published_at = now() WHERE seq = ANY($1::bigint[])', [batch.map((row) => row.seq)]);
    observePublished(batch);
    log.debug({ count: batch.length }, 'published outbox batch');
    return 'more';
  }

  /** The longest prefix of `rows` whose messages and companions fit in batchMaxBytes (at least one row). */
  private fitToBytes(rows: OutboxRow[]): OutboxRow[] {
    let bytes = 0;
    let count = 0;
    for (const row of rows) {
      const rowBytes = messageBytes(toMessage(row)) + this.companionBytes(row);
      if (count > 0 && bytes + rowBytes > this.batchMaxBytes) break;
      bytes += rowBytes;
      count += 1;
    }
    return rows.slice(0, count);
  }

  private companionBytes(row: OutboxRow): number {
    const companions = this.options.companions?.([toPublishedRow(row)]) ?? [];
    return companions.reduce((sum, batch) => sum + batch.messages.reduce((inner, message) => inner + messageBytes(message), 0), 0);
  }

  private async pruneIfDue(connection: pg.PoolClient): Promise<void> {
    const now = Date.now();
    if (now - this.lastPrune < 600_000) return;
    this.lastPrune = now;
    const { rowCount } = await query(
      connection,
      `DELETE FROM outbox_event WHERE published_at < now() - make_interval(secs => $1)`,
      [this.retentionMs / 1000],
    );
    if (rowCount) log.info({ count: rowCount }, 'pruned published outbox rows');
  }
}

/** A query on the relay's connection, failing after RELAY_QUERY_TIMEOUT_MS even if the peer is gone. */
function query<Row extends pg.QueryResultRow = pg.QueryResultRow>(connection: pg.PoolClient, text: string, values?: unknown[]): Promise<pg.QueryResult<Row>> {
  return connection.query<Row>({ text, values, query_timeout: RELAY_QUERY_TIMEOUT_MS } as pg.QueryConfig);
}

/** Publish counter and latency (commit time: the envelope's occurredAt) per published row. */
function observePublished(batch: OutboxRow[]): void {
  const now = Date.now();
  for (const row of batch) {
    metrics.outboxPublished.inc({ topic: row.topic });
    const occurredAt = Date.parse(String((row.payload as { occurredAt?: unknown }).occurredAt));
    if (Number.isFinite(occurredAt)) metrics.publishLatency.observe(Math.max(now - occurredAt, 0) / 1000);
  }
}

function toPublishedRow(row: OutboxRow): PublishedRow {
  return { eventId: row.event_id, topic: row.topic, key: row.key, payload: row.payload };
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return { key: row.key, value: JSON.stringify(row.payload), headers: { 'event-id': row.event_id } };
}

function groupByTopic(rows: OutboxRow[]): TopicMessages[] {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push(toMessage(row));
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
