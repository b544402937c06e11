import { describe, expect, it } from 'vitest';
import { type ChaosReport, check, formatReport, inFlight, longestPause, peakInFlight } from './report.ts';

describe('longestPause', () => {
  it('is the longest stretch with work in flight and none done', () => {
    const timeline = { kind: 'booking', starts: [0, 10, 20], ends: [5, 40, 45] };
    // In flight from 10; nothing done from 10 (after the end at 5) until 40.
    expect(longestPause([timeline], 0, 100)).toEqual({ ms: 30, kind: 'booking' });
  });

  it('does not count idle time, when nothing is in flight, as a pause', () => {
    const timeline = { kind: 'call', starts: [0, 100], ends: [2, 103] };
    expect(longestPause([timeline], 0, 200)).toEqual({ ms: 3, kind: 'call' });
  });

  it('cuts a pause at the window and counts work still in flight at its end', () => {
    const timeline = { kind: 'invoice', starts: [0], ends: [] };
    expect(longestPause([timeline], 10, 25)).toEqual({ ms: 15, kind: 'invoice' });
  });

  it('names the kind that stood still longest', () => {
    const quick = { kind: 'booking', starts: [0, 1], ends: [2, 3] };
    const stuck = { kind: 'letter', starts: [0], ends: [50] };
    expect(longestPause([quick, stuck], 0, 60)).toEqual({ ms: 50, kind: 'letter' });
  });

  it('is zero with no work at all', () => {
    expect(longestPause([{ kind: 'booking', starts: [], ends: [] }], 0, 60)).toEqual({ ms: 0, kind: null });
  });
});

describe('inFlight', () => {
  it('counts the pieces started and not yet done', () => {
    const timelines = [
      { kind: 'a', starts: [0, 1, 2], ends: [3] },
      { kind: 'b', starts: [0], ends: [] },
    ];
    expect(inFlight(timelines, 2)).toBe(4);
    expect(inFlight(timelines, 3)).toBe(3);
  });
});

describe('peakInFlight', () => {
  it('is the most pieces in flight at any moment of the window', () => {
    const timelines = [{ kind: 'a', starts: [0, 5, 6, 30], ends: [7, 8, 9, 31] }];
    expect(peakInFlight(timelines, 4, 20)).toBe(3);
    expect(peakInFlight(timelines, 10, 20)).toBe(0);
  });
});

describe('check', () => {
  it('counts missing things as lost and extra copies as duplicated', () => {
    expect(check('emails', 10, 8, 11)).toEqual({
      name: 'emails',
      expected: 10,
      found: 8,
      lost: 2,
      duplicated: 3,
    });
  });

  it('counts things beyond those expected as duplicated too', () => {
    expect(check('invoices', 3, 4)).toMatchObject({ lost: 0, duplicated: 1 });
  });
});

describe('formatReport', () => {
  const report: ChaosReport = {
    startedAt: '2026-12-04T12:00:00.000Z',
    settings: { flows: 20 },
    size: { flows: 20, customers: 4, calls: 20, invoices: 4, campaignRecipients: 2 },
    faults: [
      {
        name: 'kill -9 orders',
        at: 12_000,
        lastedMs: 6_500,
        inFlight: 3,
        maxPause: { ms: 7_200, kind: 'booking' },
      },
      {
        name: 'broker restart',
        at: 0,
        lastedMs: 0,
        inFlight: 0,
        maxPause: { ms: 0, kind: null },
        skipped: 'Kafka is not the local stack’s',
      },
    ],
    baselinePause: { ms: 800, kind: 'booking' },
    checks: [check('orders accepted = orders confirmed', 20, 19)],
    lost: 1,
    duplicated: 0,
    drainMs: 4_000,
    durationMs: 300_000,
  };

  it('prints each fault, each check and the totals', () => {
    const text = formatReport(report);
    expect(text).toMatch(/kill -9 orders\s+\+12\.0 s\s+6\.5 s\s+3\s+7\.2 s \(booking\)/);
    expect(text).toMatch(/broker restart\s+skipped: Kafka is not the local stack’s/);
    expect(text).toMatch(/orders accepted = orders confirmed\s+20\s+19\s+1\s+0/);
    expect(text).toContain('lost 1 · duplicated 0 · time to drain 4.0 s');
  });
});
