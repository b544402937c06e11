import { describe, expect, it } from 'vitest';
import { dueDate, parsePeriod, periodBounds, periodOf } from './periods.ts';

describe('periodOf', () => {
  it('is the calendar month in UTC', () => {
    expect(periodOf(Date.parse('2026-11-30T23:59:59.999Z'))).toBe('2026-11');
    expect(periodOf(Date.parse('2026-12-01T00:00:00Z'))).toBe('2026-12');
    expect(periodOf(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
    expect(periodOf(Date.parse('2027-01-01T00:00:00Z'))).toBe('2027-01');
  });

  it('ignores the local time zone of a timestamp', () => {
    // 00:30 on 1 December in Berlin is still November in UTC.
    expect(periodOf(Date.parse('2026-12-01T00:30:00+01:00'))).toBe('2026-11');
  });

  it('refuses what is not an instant', () => {
    expect(() => periodOf(Number.NaN)).toThrow(RangeError);
  });
});

describe('parsePeriod', () => {
  it('reads a strict YYYY-MM', () => {
    expect(parsePeriod('2026-11')).toEqual({ year: 2026, month: 11 });
    expect(parsePeriod('2027-01')).toEqual({ year: 2027, month: 1 });
  });

  it.each(['2026-13', '2026-00', '2026-1', 'abcd-ef', '2026-11-01', ' 2026-11', '1999-12', '26-11', ''])(
    'rejects %j',
    (text) => {
      expect(parsePeriod(text)).toBeUndefined();
    },
  );
});

describe('periodBounds', () => {
  it('spans the month in UTC, end excluded', () => {
    expect(periodBounds('2026-11')).toEqual({
      start: Date.parse('2026-11-01T00:00:00Z'),
      end: Date.parse('2026-12-01T00:00:00Z'),
    });
    expect(periodBounds('2026-12').end).toBe(Date.parse('2027-01-01T00:00:00Z'));
    expect(periodBounds('2028-02').end - periodBounds('2028-02').start).toBe(29 * 86_400_000);
  });

  it('contains exactly the instants periodOf gives that period', () => {
    const { start, end } = periodBounds('2026-11');
    expect(periodOf(start)).toBe('2026-11');
    expect(periodOf(end - 1)).toBe('2026-11');
    expect(periodOf(end)).toBe('2026-12');
  });

  it('refuses a malformed period', () => {
    expect(() => periodBounds('2026-13')).toThrow(/not a period/);
  });
});

describe('dueDate', () => {
  it('counts days from the UTC date of issue', () => {
    expect(dueDate(Date.parse('2026-11-01T08:00:00Z'), 14)).toBe('2026-11-15');
    expect(dueDate(Date.parse('2026-11-01T08:00:00Z'), 0)).toBe('2026-11-01');
  });

  it('crosses month and year ends', () => {
    expect(dueDate(Date.parse('2026-11-20T10:00:00Z'), 14)).toBe('2026-12-04');
    expect(dueDate(Date.parse('2026-12-20T23:59:59Z'), 30)).toBe('2027-01-19');
    expect(dueDate(Date.parse('2028-02-15T00:00:00Z'), 14)).toBe('2028-02-29');
  });

  it('refuses a fractional or negative number of days', () => {
    expect(() => dueDate(Date.parse('2026-11-01T00:00:00Z'), 1.5)).toThrow(/whole number/);
    expect(() => dueDate(Date.parse('2026-11-01T00:00:00Z'), -1)).toThrow(/whole number/);
  });
});
