import { metrics } from '../../core/metrics/metrics.js';

/**
 * What bulk work (backfill, reconcile) may spend on a remote API. Every bulk request waits on
 * `acquire` first; live changes never do. This is the one place to point at the shared,
 * Postgres-backed rate budget of issue #10 (bulk drawing only on what live changes leave): replace
 * `localBulkBudget` by an implementation of this interface over that budget at the bulk priority.
 */
export interface BulkBudget {
  acquire(integration: string): Promise<void>;
}

/**
 * Until then: a per-process token bucket of `perSecond` requests (BULK_RATE_PER_S), well below
 * Stripe's limit, so live changes keep the rest. Hand-written: a dozen lines, and it reports its
 * tokens as catalog_remote_budget_tokens.
 */
export function localBulkBudget(perSecond: number): BulkBudget {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async acquire(integration) {
      for (;;) {
        const now = Date.now();
        const bucket = buckets.get(integration) ?? { tokens: perSecond, at: now };
        bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
        bucket.at = now;
        buckets.set(integration, bucket);
        if (bucket.tokens >= 1) {
          bucket.tokens -= 1;
          metrics.remoteBudgetTokens.set({ integration }, Math.floor(bucket.tokens));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, ((1 - bucket.tokens) / perSecond) * 1000));
      }
    },
  };
}
