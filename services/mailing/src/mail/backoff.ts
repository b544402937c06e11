/** First wait after a failed attempt; each further failure doubles it, up to the configured cap. */
export const FIRST_RETRY_DELAY_MS = 1_000;

/**
 * How long to wait after the `attempt`-th failed attempt (1-based): exponential from
 * FIRST_RETRY_DELAY_MS, capped at `maxDelayMs`, with "equal jitter" — between half and all of it —
 * so the waits still grow while many messages failing together do not retry in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(maxDelayMs, FIRST_RETRY_DELAY_MS * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
