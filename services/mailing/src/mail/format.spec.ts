import { describe, expect, it } from 'vitest';
import { formatDate, formatMoney, formatUtc } from './format.ts';

describe('formatMoney', () => {
  it('places the decimal point by the currency: two, none or three decimals', () => {
    expect(formatMoney({ amountMinor: 123_450, currency: 'EUR' })).toBe('€1,234.50');
    expect(formatMoney({ amountMinor: 1_235, currency: 'JPY' })).toBe('JP¥1,235');
    expect(formatMoney({ amountMinor: 1_234_567, currency: 'BHD' })).toBe('BHD\u00a01,234.567');
    expect(formatMoney({ amountMinor: 5, currency: 'KWD' })).toBe('KWD\u00a00.005');
  });

  it('handles zero, cents and negative amounts (credit notes)', () => {
    expect(formatMoney({ amountMinor: 0, currency: 'EUR' })).toBe('€0.00');
    expect(formatMoney({ amountMinor: 7, currency: 'USD' })).toBe('US$0.07');
    expect(formatMoney({ amountMinor: -2_550, currency: 'GBP' })).toBe('-£25.50');
  });

  it('stays exact up to the largest amount an event can carry', () => {
    expect(formatMoney({ amountMinor: Number.MAX_SAFE_INTEGER, currency: 'EUR' })).toBe(
      '€90,071,992,547,409.91',
    );
  });
});

describe('dates', () => {
  it('shows an instant in UTC, whatever the server’s time zone', () => {
    expect(formatUtc(Date.parse('2026-12-01T09:00:00Z'))).toBe('Tuesday, 1 December 2026 at 09:00 UTC');
  });

  it('shows a calendar date as written', () => {
    expect(formatDate('2026-12-15')).toBe('15 December 2026');
  });
});
