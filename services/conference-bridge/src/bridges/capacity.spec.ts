import { describe, expect, it } from 'vitest';
import { allocate, type Booking, type Bridge, peakUsage } from './capacity.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-23T09:00:00.000Z');
const at = (hours: number): number => T0 + hours * HOUR;
const booking = (fromHour: number, toHour: number, ports: number): Booking => ({
  startsAt: at(fromHour),
  endsAt: at(toHour),
  ports,
});
const bridge = (id: string, ports: number): Bridge => ({
  id,
  name: `Bridge ${id}`,
  dialInNumber: '+44 20 7946 0000',
  ports,
});

/** bookingsOf over a fixed table, recording which bridges were asked about. */
function bookingsTable(table: Record<string, Booking[]>) {
  const asked: string[] = [];
  const bookingsOf = (bridgeId: string): readonly Booking[] => {
    asked.push(bridgeId);
    return table[bridgeId] ?? [];
  };
  return { bookingsOf, asked };
}

describe('peakUsage', () => {
  it('is 0 without bookings', () => {
    expect(peakUsage([], at(0), at(1))).toBe(0);
  });

  it('adds bookings that overlap', () => {
    expect(peakUsage([booking(0, 2, 10), booking(1, 3, 5)], at(0), at(3))).toBe(15);
  });

  it('does not count a booking ending exactly when another starts as overlapping', () => {
    expect(peakUsage([booking(0, 1, 10), booking(1, 2, 7)], at(0), at(2))).toBe(10);
  });

  it('finds a peak in the middle when three bookings overlap pairwise but never all at once', () => {
    // A [0,2) and B [1,3) overlap on [1,2); B and C [2,4) overlap on [2,3); A and C never meet.
    const bookings = [booking(0, 2, 10), booking(1, 3, 20), booking(2, 4, 30)];
    expect(peakUsage(bookings, at(0), at(4))).toBe(50);
    expect(peakUsage(bookings, at(0), at(2))).toBe(30);
  });

  it('only counts what happens inside the window', () => {
    const bookings = [booking(0, 2, 10), booking(1, 3, 20), booking(2, 4, 30)];
    expect(peakUsage(bookings, at(3), at(4))).toBe(30);
    // The window ends as the big booking starts, so that booking is not counted.
    expect(peakUsage([booking(0, 1, 5), booking(1, 2, 99)], at(0), at(1))).toBe(5);
    expect(peakUsage([booking(0, 1, 5)], at(1), at(2))).toBe(0);
  });

  it('is 0 for an empty window', () => {
    expect(peakUsage([booking(0, 4, 10)], at(2), at(2))).toBe(0);
    expect(peakUsage([booking(0, 4, 10)], at(3), at(2))).toBe(0);
  });
});

describe('allocate', () => {
  it('accepts a request that exactly fills the free ports', () => {
    const main = bridge('main', 100);
    const { bookingsOf } = bookingsTable({ main: [booking(0, 2, 60)] });
    expect(allocate([main], bookingsOf, booking(1, 3, 40))).toEqual({
      ok: true,
      bridge: main,
      peakAfter: 100,
    });
  });

  it('rejects a request one port over what is free, naming the free count and the slot', () => {
    const { bookingsOf } = bookingsTable({ main: [booking(0, 2, 60)] });
    expect(allocate([bridge('main', 100)], bookingsOf, booking(1, 3, 41))).toEqual({
      ok: false,
      reason: 'NO_CAPACITY',
      detail:
        'only 40 of 100 ports free between 2026-11-23T10:00:00.000Z and 2026-11-23T12:00:00.000Z; 41 needed',
    });
  });

  it('lets a call start when the previous one on the bridge ends', () => {
    const main = bridge('main', 100);
    const { bookingsOf } = bookingsTable({ main: [booking(0, 1, 100), booking(2, 3, 100)] });
    expect(allocate([main], bookingsOf, booking(1, 2, 100))).toEqual({
      ok: true,
      bridge: main,
      peakAfter: 100,
    });
  });

  it('judges by the busiest instant of the slot, not by its ends', () => {
    // Either end of the slot has 70 ports free, but in the middle two bookings overlap.
    const bookings = [booking(0, 2, 10), booking(1, 3, 20), booking(2, 4, 30)];
    const { bookingsOf } = bookingsTable({ main: bookings });
    expect(allocate([bridge('main', 100)], bookingsOf, booking(0, 4, 51))).toMatchObject({
      ok: false,
      reason: 'NO_CAPACITY',
      detail: expect.stringMatching(/^only 50 of 100 ports free between .*; 51 needed$/) as unknown,
    });
    expect(allocate([bridge('main', 100)], bookingsOf, booking(0, 4, 50))).toMatchObject({
      ok: true,
      peakAfter: 100,
    });
  });

  it('falls through to the next bridge when the first is busy', () => {
    const first = bridge('first', 100);
    const second = bridge('second', 50);
    const third = bridge('third', 100);
    const { bookingsOf, asked } = bookingsTable({ first: [booking(0, 4, 90)], second: [booking(0, 1, 40)] });
    expect(allocate([first, second, third], bookingsOf, booking(1, 2, 30))).toEqual({
      ok: true,
      bridge: second,
      peakAfter: 30,
    });
    expect(asked).toEqual(['first', 'second']);
  });

  it('skips bridges too small for the request without looking at their bookings', () => {
    const small = bridge('small', 10);
    const big = bridge('big', 200);
    const { bookingsOf, asked } = bookingsTable({});
    expect(allocate([small, big], bookingsOf, booking(0, 1, 20))).toEqual({
      ok: true,
      bridge: big,
      peakAfter: 20,
    });
    expect(asked).toEqual(['big']);
  });

  it('names the bridge that came closest when every bridge is busy', () => {
    const { bookingsOf } = bookingsTable({
      a: [booking(0, 4, 95)],
      b: [booking(0, 4, 38)],
      c: [booking(0, 4, 20)],
    });
    const result = allocate(
      [bridge('a', 100), bridge('b', 50), bridge('c', 30)],
      bookingsOf,
      booking(1, 2, 20),
    );
    expect(result).toEqual({
      ok: false,
      reason: 'NO_CAPACITY',
      detail:
        'only 12 of 50 ports free between 2026-11-23T10:00:00.000Z and 2026-11-23T11:00:00.000Z; 20 needed',
    });
  });

  it('says no port is free rather than a negative count on an overbooked bridge', () => {
    const { bookingsOf } = bookingsTable({ main: [booking(0, 1, 80), booking(0, 1, 30)] });
    expect(allocate([bridge('main', 100)], bookingsOf, booking(0, 1, 5))).toEqual({
      ok: false,
      reason: 'NO_CAPACITY',
      detail:
        'none of the 100 ports is free between 2026-11-23T09:00:00.000Z and 2026-11-23T10:00:00.000Z; 5 needed',
    });
  });

  it('rejects a request larger than every bridge as an invalid slot', () => {
    const { bookingsOf, asked } = bookingsTable({});
    expect(allocate([bridge('a', 100), bridge('b', 60)], bookingsOf, booking(0, 1, 120))).toEqual({
      ok: false,
      reason: 'INVALID_SLOT',
      detail: 'needs 120 ports; the largest bridge has 100',
    });
    expect(asked).toEqual([]);
  });

  it.each([
    ['ends before it starts', booking(2, 1, 5), 'the call must end after it starts'],
    ['ends as it starts', booking(1, 1, 5), 'the call must end after it starts'],
    ['needs no ports', booking(0, 1, 0), 'at least 1'],
    ['needs negative ports', booking(0, 1, -3), 'at least 1'],
    ['needs part of a port', booking(0, 1, 2.5), 'whole number of ports'],
    ['has no start', { startsAt: Number.NaN, endsAt: at(1), ports: 5 }, 'valid times'],
    ['ends beyond any date', { startsAt: at(0), endsAt: Number.POSITIVE_INFINITY, ports: 5 }, 'valid times'],
  ])('rejects a request that %s as an invalid slot', (_name, request, detail) => {
    const result = allocate([bridge('main', 100)], bookingsTable({}).bookingsOf, request);
    expect(result).toMatchObject({ ok: false, reason: 'INVALID_SLOT' });
    expect(result.ok === false && result.detail).toContain(detail);
  });

  it('reports no capacity when no bridge is in service', () => {
    expect(allocate([], bookingsTable({}).bookingsOf, booking(0, 1, 5))).toMatchObject({
      ok: false,
      reason: 'NO_CAPACITY',
    });
  });
});
