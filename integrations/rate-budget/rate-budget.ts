import type pg from 'pg';
import { getLogger } from '../../core/logger.js';
import { metrics } from '../../core/metrics/metrics.js';
import type { RatePriority } from './priority.js';

const log = getLogger('rate-budget');

/** What an adapter declares about its remote system's request limit. */
export interface RemoteRateLimit {
  /** The bucket: one per remote system and account (e.g. `stripe:acct_123`). */
  bucket: string;
  /** Requests per second the whole deployment may send; also the burst (one second's worth). */
  requestsPerSecond: number;
}

export interface RateBudgetSnapshot {
  bucket: string;
  requestsPerSecond: number;
  /** Tokens left in the shared bucket at the last call (negative: live calls are queued for slots). */
  tokens: number | null;
  /** Calls this process made through the budget, and how many of them had to wait. */
  granted: { live: number; bulk: number };
  waited: number;
  longestWaitMs: number;
}

/** The budget every remote call of one adapter goes through (see PostgresRateBudget). */
export interface RateBudget {
  /** Resolves when this process may send one request of that priority. */
  acquire(priority: RatePriority): Promise<void>;
  /** Moves the budget to another bucket (once the account behind the credentials is known). */
  rebind(bucket: string): void;
  snapshot(): RateBudgetSnapshot;
}

/** A live call never waits longer than this for its slot in one reservation; beyond it, it asks again later. */
const maxLiveQueueSeconds = 20;
/** Bulk work leaves this share of the burst to live work. */
const bulkReserveShare = 0.5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A token bucket in one Postgres row per remote system and account (`rate_budget`), shared by
 * every integrations process of a deployment: a call refills the row by the time elapsed since its
 * last update (Postgres's clock, so processes on hosts with skewed clocks agree) and takes a token
 * in one atomic `UPDATE … RETURNING` under the row lock. Cost: one round trip and one row update per
 * remote call (well under a millisecond locally), against a remote call of tens of milliseconds.
 *
 * Live calls reserve their slot: the bucket may go negative (a queue of reservations), and the
 * caller waits until its slot comes, so live calls are paced exactly and in order with one round
 * trip. Bulk calls never queue: they take a token only if half the burst would remain for live
 * work, so bulk only takes what live work leaves. Hand-written because the rate limiter libraries
 * for Node keep their state in process or Redis, and this deployment's shared store is Postgres.
 */
export class PostgresRateBudget implements RateBudget {
  private bucket: string;
  private readonly rate: number;
  private readonly capacity: number;
  private ensured = new Set<string>();
  private lastTokens: number | null = null;
  private readonly stats = { live: 0, bulk: 0, waited: 0, longestWaitMs: 0 };

  constructor(private readonly pool: pg.Pool, limit: RemoteRateLimit) {
    this.bucket = limit.bucket;
    this.rate = limit.requestsPerSecond;
    this.capacity = Math.max(1, limit.requestsPerSecond);
  }

  rebind(bucket: string): void {
    if (bucket === this.bucket) return;
    log.info({ from: this.bucket, bucket, requestsPerSecond: this.rate }, 'rate budget bound to the remote account');
    this.bucket = bucket;
  }

  async acquire(priority: RatePriority): Promise<void> {
    const bucket = this.bucket;
    await this.ensureRow(bucket);
    // The lowest the bucket may fall by this take: live may queue, bulk must leave the reserve.
    // (At most capacity - 1 for bulk: with a burst under 2 the reserve would otherwise starve bulk work.)
    const floor = priority === 'live' ? -this.rate * maxLiveQueueSeconds : Math.min(this.capacity * bulkReserveShare, this.capacity - 1);
    let waitedMs = 0;
    for (;;) {
      const { rows } = await this.pool.query<{ tokens: number }>(
        `UPDATE rate_budget
            SET tokens = least($2::float8, tokens + $3::float8 * greatest(0, extract(epoch FROM clock_timestamp() - updated_at))) - 1,
                updated_at = greatest(updated_at, clock_timestamp()),
                rate_per_second = $3::float8,
                capacity = $2::float8
          WHERE bucket = $1
            AND least($2::float8, tokens + $3::float8 * greatest(0, extract(epoch FROM clock_timestamp() - updated_at))) - 1 >= $4::float8
          RETURNING tokens`,
        [bucket, this.capacity, this.rate, floor],
      );
      const taken = rows[0];
      if (taken) {
        this.lastTokens = taken.tokens;
        // The bucket is `<remote system>:<account>`: the metric's label is the remote system.
        metrics.remoteBudgetTokens.set({ integration: bucket.split(':')[0] ?? bucket }, Math.floor(taken.tokens));
        // A negative balance is a queue of reservations: ours is the last of them.
        const slotMs = taken.tokens < 0 ? (-taken.tokens / this.rate) * 1000 : 0;
        if (slotMs > 0) await sleep(slotMs);
        this.record(priority, waitedMs + slotMs);
        return;
      }
      // Not granted (bulk under the reserve, or live past the longest queue): wait until there would be.
      const { rows: current } = await this.pool.query<{ tokens: number }>(
        `SELECT least($2::float8, tokens + $3::float8 * greatest(0, extract(epoch FROM clock_timestamp() - updated_at))) AS tokens
           FROM rate_budget WHERE bucket = $1`,
        [bucket, this.capacity, this.rate],
      );
      const tokens = current[0]?.tokens ?? 0;
      this.lastTokens = tokens;
      // A little jitter so waiting bulk callers do not all ask again at the same instant.
      const delayMs = Math.max(5, ((floor + 1 - tokens) / this.rate) * 1000) * (1 + Math.random() * 0.2);
      await sleep(delayMs);
      waitedMs += delayMs;
    }
  }

  snapshot(): RateBudgetSnapshot {
    return {
      bucket: this.bucket,
      requestsPerSecond: this.rate,
      tokens: this.lastTokens === null ? null : Math.round(this.lastTokens * 100) / 100,
      granted: { live: this.stats.live, bulk: this.stats.bulk },
      waited: this.stats.waited,
      longestWaitMs: Math.round(this.stats.longestWaitMs),
    };
  }

  private record(priority: RatePriority, waitedMs: number): void {
    this.stats[priority] += 1;
    if (waitedMs > 0) this.stats.waited += 1;
    this.stats.longestWaitMs = Math.max(this.stats.longestWaitMs, waitedMs);
  }

  private async ensureRow(bucket: string): Promise<void> {
    if (this.ensured.has(bucket)) return;
    await this.pool.query(
      `INSERT INTO rate_budget (bucket, tokens, rate_per_second, capacity, updated_at) VALUES ($1, $2, $3, $2, clock_timestamp())
       ON CONFLICT (bucket) DO NOTHING`,
      [bucket, this.capacity, this.rate],
    );
    this.ensured.add(bucket);
  }
}
