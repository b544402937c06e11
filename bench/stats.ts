/** Small figures shared by the benchmarks. */

/** The p-th percentile (0–100) of ascending `sorted`, NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

export interface Distribution {
  readonly count: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** p50/p95/p99/max of durations in milliseconds. */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 50), 0),
    p95Ms: round(percentile(sorted, 95), 0),
    p99Ms: round(percentile(sorted, 99), 0),
    maxMs: round(sorted.at(-1) ?? Number.NaN, 0),
  };
}

/**
 * The paths of a report's figures that came out missing: null, NaN or infinite once the report
 * went through JSON (where NaN and Infinity become null).
 */
export function missingFigures(report: unknown): string[] {
  const leaves = (value: unknown, path: string): [string, unknown][] =>
    value !== null && typeof value === 'object'
      ? Object.entries(value).flatMap(([key, inner]) => leaves(inner, `${path}.${key}`))
      : [[path, value]];
  return leaves(JSON.parse(JSON.stringify(report)), '$')
    .filter(([, v]) => v === null || (typeof v === 'number' && !Number.isFinite(v)))
    .map(([path]) => path);
}
