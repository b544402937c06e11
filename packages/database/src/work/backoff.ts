/** How a retried piece of work waits longer after each failure. */
export interface Backoff {
  /** Wait after the first failure; each further failure doubles it, up to `maxMs`. */
  readonly initialMs: number;
  readonly maxMs: number;
  /**
   * How much of each wait is random, so that what failed together does not retry in lockstep:
   * `full`, anything up to it (the fastest to spread); `equal`, between half and all of it (the
   * waits still grow); `none`, exactly it.
   */
  readonly jitter: 'full' | 'equal' | 'none';
}

/** How long to wait after the `attempt`-th failed attempt (1-based), in whole milliseconds. */
export function backoffDelayMs(
  attempt: number,
  backoff: Backoff,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** exponent);
  switch (backoff.jitter) {
    case 'full':
      return Math.round(random() * ceiling);
    case 'equal':
      return Math.round(ceiling / 2 + random() * (ceiling / 2));
    case 'none':
      return ceiling;
  }
}
