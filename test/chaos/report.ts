/**
 * What a chaos run found, and how it is measured and printed. Pure: the run collects the times,
 * these functions turn them into figures.
 */

/**
 * One kind of work of the flows (a booking to its confirmation email, a call to its charge, …):
 * when each piece of it started and when each piece was done, in epoch milliseconds. Pieces are
 * counted, not matched: at any moment `starts before it − ends before it` pieces are in flight.
 */
export interface Timeline {
  readonly kind: string;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/** Pieces of work in flight at `at`, over every kind. */
export function inFlight(timelines: readonly Timeline[], at: number): number {
  let pending = 0;
  for (const { starts, ends } of timelines) {
    pending += starts.filter((t) => t <= at).length - ends.filter((t) => t <= at).length;
  }
  return Math.max(0, pending);
}

/** The most pieces of work in flight at any moment within [from, to]. */
export function peakInFlight(timelines: readonly Timeline[], from: number, to: number): number {
  const moments = timelines
    .flatMap(({ starts, ends }) => [...starts, ...ends])
    .filter((t) => t > from && t <= to);
  return Math.max(inFlight(timelines, from), ...moments.map((t) => inFlight(timelines, t)));
}

export interface Pause {
  readonly ms: number;
  /** The kind of work that stood still, null where none did. */
  readonly kind: string | null;
}

/**
 * The longest time within [from, to] that a kind of work stood still: pieces of it were in flight
 * and none was done. A kind with nothing in flight is idle, not paused.
 */
export function longestPause(timelines: readonly Timeline[], from: number, to: number): Pause {
  let longest: Pause = { ms: 0, kind: null };
  for (const { kind, starts, ends } of timelines) {
    const changes = [
      ...starts.map((at) => ({ at, delta: 1 })),
      ...ends.map((at) => ({ at, delta: -1 })),
    ].sort((a, b) => a.at - b.at || a.delta - b.delta);
    let pending = 0;
    // Since when the work has waited: the last piece done, or the moment work arrived at an idle kind.
    let waitingSince: number | undefined;
    const consider = (until: number): void => {
      if (waitingSince === undefined) return;
      const ms = Math.min(until, to) - Math.max(waitingSince, from);
      if (ms > longest.ms) longest = { ms, kind };
    };
    for (const { at, delta } of changes) {
      if (at > to) break;
      if (delta < 0) {
        if (pending > 0) consider(at);
        pending = Math.max(0, pending - 1);
        waitingSince = pending > 0 ? at : undefined;
      } else {
        if (pending === 0) waitingSince = at;
        pending += 1;
      }
    }
    if (pending > 0) consider(to);
  }
  return longest;
}

export interface FaultResult {
  /** What was done, e.g. `kill -9 billing (replica 2 of 2)`. */
  readonly name: string;
  /** Milliseconds from the run's start. */
  readonly at: number;
  /** From injection until the fault was lifted (a killed process ready again, a server back). */
  readonly lastedMs: number;
  /** The most pieces of work in flight from its injection until it was lifted. */
  readonly inFlight: number;
  /** The longest pause of the flows from its injection until the next fault (or the drain). */
  readonly maxPause: Pause;
  /** Why it was not injected, where it was not (e.g. the broker is not the local stack's). */
  readonly skipped?: string;
}

export interface Check {
  /** What is compared, e.g. `orders confirmed = bridges reserved`. */
  readonly name: string;
  readonly expected: number;
  readonly found: number;
  readonly lost: number;
  readonly duplicated: number;
}

export interface ChaosReport {
  readonly startedAt: string;
  readonly settings: Readonly<Record<string, number | string>>;
  readonly size: {
    readonly flows: number;
    readonly customers: number;
    readonly calls: number;
    readonly invoices: number;
    readonly campaignRecipients: number;
  };
  readonly faults: readonly FaultResult[];
  /** The longest pause before the first fault: what the figures per fault compare with. */
  readonly baselinePause: Pause;
  readonly checks: readonly Check[];
  readonly lost: number;
  readonly duplicated: number;
  /** From the last fault lifted and the last input sent until the last piece of work was done. */
  readonly drainMs: number;
  readonly durationMs: number;
}

/** A check of `expected` things where `found` distinct ones arrived, `copies` of them in all. */
export function check(name: string, expected: number, found: number, copies = found): Check {
  return {
    name,
    expected,
    found,
    lost: Math.max(0, expected - found),
    duplicated: Math.max(0, copies - found) + Math.max(0, found - expected),
  };
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number>) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

const pauseText = ({ ms, kind }: Pause): string => (kind === null ? '0.0 s' : `${seconds(ms)} (${kind})`);

/** The report as the run prints it. */
export function formatReport(report: ChaosReport): string {
  const { size } = report;
  const faults = table(
    ['fault', 'at', 'lasted', 'in flight (most)', 'max pause of the flows'],
    report.faults.map((f) =>
      f.skipped
        ? [f.name, '', '', '', `skipped: ${f.skipped}`]
        : [f.name, `+${seconds(f.at)}`, seconds(f.lastedMs), String(f.inFlight), pauseText(f.maxPause)],
    ),
    new Set([1, 2, 3]),
  );
  const checks = table(
    ['reconciled', 'expected', 'found', 'lost', 'duplicated'],
    report.checks.map((c) => [
      c.name,
      String(c.expected),
      String(c.found),
      String(c.lost),
      String(c.duplicated),
    ]),
    new Set([1, 2, 3, 4]),
  );
  const injected = report.faults.filter((f) => !f.skipped).length;
  return [
    `Chaos run of ${report.startedAt}: ${size.flows} flows (${size.flows} bookings, ${size.calls} calls, ${size.customers} customers with contracts, a period close of ${size.invoices} invoices, a campaign to ${size.campaignRecipients} recipients)`,
    '',
    faults,
    `  without faults (before the first): max pause ${pauseText(report.baselinePause)}`,
    '',
    checks,
    '',
    `flows ${size.flows} · faults injected ${injected} · lost ${report.lost} · duplicated ${report.duplicated} · time to drain ${seconds(report.drainMs)} · run ${seconds(report.durationMs)}`,
  ].join('\n');
}
