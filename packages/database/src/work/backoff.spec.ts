import { describe, expect, it } from 'vitest';
import { type Backoff, backoffDelayMs } from './backoff.ts';

const EQUAL: Backoff = { initialMs: 1_000, maxMs: 300_000, jitter: 'equal' };

describe('backoffDelayMs', () => {
  it('doubles from the first wait, between half and all of each step with equal jitter', () => {
    const low = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, EQUAL, () => 0));
    const high = [1, 2, 3, 4, 5].map((attempt) => backoffDelayMs(attempt, EQUAL, () => 1));
    expect(low).toEqual([500, 1_000, 2_000, 4_000, 8_000]);
    expect(high).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(backoffDelayMs(12, { ...EQUAL, maxMs: 60_000 }, () => 1)).toBe(60_000);
    expect(backoffDelayMs(1_000, { ...EQUAL, maxMs: 60_000 }, () => 0)).toBe(30_000);
    expect(backoffDelayMs(3, { ...EQUAL, maxMs: 1_500 }, () => 1)).toBe(1_500);
  });

  it('spreads the waits of work failing together', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoffDelayMs(4, EQUAL)));
    expect(waits.size).toBeGreaterThan(1);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(4_000);
      expect(wait).toBeLessThanOrEqual(8_000);
    }
  });

  it('waits anything up to the step with full jitter, and exactly the step without', () => {
    const full: Backoff = { initialMs: 100, maxMs: 2_000, jitter: 'full' };
    expect([1, 2, 3].map((attempt) => backoffDelayMs(attempt, full, () => 0))).toEqual([0, 0, 0]);
    expect([1, 2, 3, 6].map((attempt) => backoffDelayMs(attempt, full, () => 1))).toEqual([
      100, 200, 400, 2_000,
    ]);
    const none: Backoff = { initialMs: 500, maxMs: 30_000, jitter: 'none' };
    expect([1, 2, 3, 8].map((attempt) => backoffDelayMs(attempt, none, () => 0.5))).toEqual([
      500, 1_000, 2_000, 30_000,
    ]);
  });
});
