/**
 * Per-credential token buckets: each credential may make `ratePerSecond` requests a second on
 * average, in bursts of up to `burst` (default: one second's worth, at least one request). Hand-written (20 lines) rather than a dependency: it is
 * in-memory per gateway instance, and the common libraries (rate-limiter-flexible, limiter) are
 * fixed-window counters or need a timer per bucket, while the issue asks for a token bucket.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = Math.max(1, ratePerSecond),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token for `id`: 0 if granted, otherwise the whole seconds to wait (for Retry-After). */
  take(id: string): number {
    if (this.ratePerSecond <= 0) return 0;
    const now = this.now();
    const bucket = this.buckets.get(id) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(id, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }

  /** Buckets that have refilled are the same as absent ones: drop them (bounded memory with many JWT subjects). */
  private forgetFull(now: number): void {
    for (const [id, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond >= this.burst) this.buckets.delete(id);
    }
  }
}
