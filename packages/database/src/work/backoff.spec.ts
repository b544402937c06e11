import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.ts';

describe('retryDelayMs', () => {
  it('doubles from one second, between half and all of each step', () => {
    const low = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, 300_000, () => 0));
    const high = [1, 2, 3, 4, 5].map((attempt) => retryDelayMs(attempt, 300_000, () => 1));
    expect(low).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(retryDelayMs(12, 60_000, () => 1)).toBe(60_000);
    expect(retryDelayMs(1_000, 60_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(3, 1_500, () => 1)).toBe(1_500);
  });

  it('spreads the waits of messages failing together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => retryDelayMs(4, 300_000)));
    expect(waits.size).toBeGreaterThan(1);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(4_000);
      expect(wait).toBeLessThanOrEqual(8_000);
    }
  });
});
