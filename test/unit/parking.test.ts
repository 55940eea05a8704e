import { describe, expect, it } from 'vitest';
import { retryDelayMs } from '../../core/sync/parking.js';

describe('retry backoff', () => {
  it('doubles from about 1 s, never past 30 s however many attempts, and honours a longer Retry-After', () => {
    for (let run = 0; run < 50; run += 1) {
      expect(retryDelayMs(1)).toBeGreaterThanOrEqual(500);
      expect(retryDelayMs(1)).toBeLessThanOrEqual(1_000);
      expect(retryDelayMs(3)).toBeGreaterThanOrEqual(2_000);
      expect(retryDelayMs(3)).toBeLessThanOrEqual(4_000);
      expect(retryDelayMs(1_000)).toBeLessThanOrEqual(30_000);
      expect(retryDelayMs(1_000)).toBeGreaterThanOrEqual(15_000);
    }
    expect(retryDelayMs(1, 7_000)).toBe(7_000);
    expect(retryDelayMs(1, 60 * 60_000)).toBe(5 * 60_000); // a Retry-After is capped at 5 minutes
  });
});
