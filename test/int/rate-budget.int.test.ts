import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { asBulkWork, currentRatePriority } from '../../integrations/rate-budget/priority.js';
import { PostgresRateBudget } from '../../integrations/rate-budget/rate-budget.js';
import { testStack, uniqueName } from '../support/stack.js';

// The shared rate budget against real Postgres: two pools stand for two integrations processes.
const pools = [new pg.Pool({ connectionString: testStack.databaseUrl, max: 4 }), new pg.Pool({ connectionString: testStack.databaseUrl, max: 4 })];
afterAll(async () => {
  for (const pool of pools) await pool.end();
});

describe('the shared rate budget', () => {
  it('paces every process of a deployment together: N calls from a full bucket of c at r/s take at least (N - c) / r seconds', async () => {
    const limit = { bucket: uniqueName('budget'), requestsPerSecond: 20 };
    const [first, second] = pools.map((pool) => new PostgresRateBudget(pool, limit));
    const started = performance.now();
    // 60 calls, 30 from each "process", 5 at a time each.
    const run = async (budget: PostgresRateBudget) => {
      for (let round = 0; round < 6; round += 1) await Promise.all(Array.from({ length: 5 }, () => budget.acquire('live')));
    };
    await Promise.all([run(first!), run(second!)]);
    const elapsedS = (performance.now() - started) / 1000;
    // A lower bound the mechanism guarantees (a 2 ms margin for timer rounding), whatever the load.
    expect(elapsedS).toBeGreaterThanOrEqual((60 - 20) / 20 - 0.002);
    expect(first!.snapshot().granted.live + second!.snapshot().granted.live).toBe(60);
    expect(first!.snapshot().waited + second!.snapshot().waited).toBeGreaterThan(0);
    const { rows } = await pools[0]!.query('SELECT rate_per_second, capacity FROM rate_budget WHERE bucket = $1', [limit.bucket]);
    expect(rows[0]).toEqual({ rate_per_second: 20, capacity: 20 });
  });

  it('gives bulk work only what live work leaves: no bulk call goes while live calls keep the bucket busy', async () => {
    const limit = { bucket: uniqueName('budget'), requestsPerSecond: 10 };
    const live = new PostgresRateBudget(pools[0]!, limit);
    const bulk = new PostgresRateBudget(pools[1]!, limit);
    const liveGrants: number[] = [];
    // Three live callers, each taking 12 tokens back to back: the bucket never refills past 1.
    const liveWork = Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let call = 0; call < 12; call += 1) {
          await live.acquire('live');
          liveGrants.push(performance.now());
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 50)); // live is already busy
    let bulkGrantedAt = 0;
    const bulkWork = asBulkWork(async () => {
      expect(currentRatePriority()).toBe('bulk');
      await bulk.acquire(currentRatePriority());
      bulkGrantedAt = performance.now();
    });
    await Promise.all([liveWork, bulkWork]);
    expect(liveGrants).toHaveLength(36);
    expect(bulkGrantedAt).toBeGreaterThan(Math.max(...liveGrants));
    expect(bulk.snapshot()).toMatchObject({ granted: { live: 0, bulk: 1 }, waited: 1 });
    expect(currentRatePriority()).toBe('live');
  });
});
