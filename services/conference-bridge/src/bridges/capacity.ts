/** A conference bridge: a dial-in number with a fixed number of ports (one per connected caller). */
export interface Bridge {
  readonly id: string;
  readonly name: string;
  readonly dialInNumber: string;
  readonly ports: number;
}

/** Ports held on a bridge over the half-open interval [startsAt, endsAt), in epoch milliseconds. */
export interface Booking {
  readonly startsAt: number;
  readonly endsAt: number;
  readonly ports: number;
}

/**
 * The answer to a request for ports. `peakAfter` is the most ports the chosen bridge will have in
 * use at any instant of the slot once the request is added. `detail` is worded for the customer.
 */
export type Allocation =
  | { readonly ok: true; readonly bridge: Bridge; readonly peakAfter: number }
  | { readonly ok: false; readonly reason: 'NO_CAPACITY' | 'INVALID_SLOT'; readonly detail: string };

/**
 * The peak number of ports in use at any instant within [from, to) by the given bookings. Intervals
 * are half-open, so a booking ending exactly when another starts does not overlap it. An empty
 * window (to <= from) has a peak of 0.
 */
export function peakUsage(bookings: readonly Booking[], from: number, to: number): number {
  const changes: { at: number; delta: number }[] = [];
  for (const booking of bookings) {
    const start = Math.max(booking.startsAt, from);
    const end = Math.min(booking.endsAt, to);
    if (start >= end || booking.ports <= 0) continue;
    changes.push({ at: start, delta: booking.ports }, { at: end, delta: -booking.ports });
  }
  // At the same instant releases come before takes: that is what makes the intervals half-open.
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let inUse = 0;
  let peak = 0;
  for (const change of changes) {
    inUse += change.delta;
    peak = Math.max(peak, inUse);
  }
  return peak;
}

/**
 * Picks the first bridge, in the given order, on which the request fits at every instant of its
 * slot. `bookingsOf(bridgeId)` returns the active bookings on that bridge; it is called at most once
 * per bridge, and never for a bridge too small for the request.
 *
 * Rejects with INVALID_SLOT when no retry could succeed as asked (the slot is empty or not a pair
 * of instants, the port count is not a whole number of at least 1, or it exceeds every bridge's
 * size), and with NO_CAPACITY when the request would fit a bridge that is too busy at that time
 * (the detail names the fewest free ports during the slot on the bridge that came closest), or when there
 * are no bridges at all, which is the operator's problem rather than the customer's.
 */
export function allocate(
  bridges: readonly Bridge[],
  bookingsOf: (bridgeId: string) => readonly Booking[],
  request: Booking,
): Allocation {
  const { startsAt, endsAt, ports } = request;
  if (!isInstant(startsAt) || !isInstant(endsAt)) {
    return invalid('the start and end of the call must both be given as valid times');
  }
  if (endsAt <= startsAt) {
    return invalid(`the call must end after it starts (it starts ${iso(startsAt)} and ends ${iso(endsAt)})`);
  }
  if (!Number.isInteger(ports) || ports < 1) {
    return invalid(`a call needs a whole number of ports, at least 1 (asked for ${ports})`);
  }

  let closest: { bridge: Bridge; free: number } | undefined;
  for (const bridge of bridges) {
    if (bridge.ports < ports) continue;
    const peak = peakUsage(bookingsOf(bridge.id), startsAt, endsAt);
    if (peak + ports <= bridge.ports) return { ok: true, bridge, peakAfter: peak + ports };
    // An overbooked bridge (peak above its size) has no free ports, not a negative number of them.
    const free = Math.max(0, bridge.ports - peak);
    if (closest === undefined || free > closest.free) closest = { bridge, free };
  }

  if (closest === undefined) {
    if (bridges.length === 0) {
      return { ok: false, reason: 'NO_CAPACITY', detail: 'no conference bridge is in service at the moment' };
    }
    const largest = Math.max(...bridges.map((bridge) => bridge.ports));
    return invalid(`needs ${portCount(ports)}; the largest bridge has ${largest}`);
  }
  // The customer hears about the bridge that came closest, so the numbers say how far off they are.
  const { bridge, free } = closest;
  const between = `between ${iso(startsAt)} and ${iso(endsAt)}`;
  const detail =
    free === 0
      ? `none of the ${bridge.ports} ports is free ${between}; ${ports} needed`
      : `only ${free} of ${bridge.ports} ports free ${between}; ${ports} needed`;
  return { ok: false, reason: 'NO_CAPACITY', detail };
}

function invalid(detail: string): Allocation {
  return { ok: false, reason: 'INVALID_SLOT', detail };
}

/** Date's own range, so every accepted instant can be shown to the customer. */
const LATEST_INSTANT = 8.64e15;

export function isInstant(at: number): boolean {
  return Number.isFinite(at) && Math.abs(at) <= LATEST_INSTANT;
}

function iso(at: number): string {
  return new Date(at).toISOString();
}

function portCount(n: number): string {
  return n === 1 ? '1 port' : `${n} ports`;
}
