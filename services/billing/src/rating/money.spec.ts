import { describe, expect, it } from 'vitest';
import { addMoney, formatMoney, minorUnitDigits } from './money.ts';

describe('minorUnitDigits', () => {
  it('knows how many decimals each currency has', () => {
    expect(minorUnitDigits('EUR')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
    expect(minorUnitDigits('BHD')).toBe(3);
    expect(minorUnitDigits('KWD')).toBe(3);
  });

  it('refuses what is not an ISO 4217 code', () => {
    expect(() => minorUnitDigits('eur')).toThrow(/ISO 4217/);
    expect(() => minorUnitDigits('EURO')).toThrow(/ISO 4217/);
    expect(() => minorUnitDigits('QQQ')).toThrow(/ISO 4217/);
  });
});

describe('formatMoney', () => {
  it('places the decimal point by the currency’s minor units', () => {
    expect(formatMoney({ amountMinor: 1234, currency: 'EUR' })).toBe('€12.34');
    expect(formatMoney({ amountMinor: 5, currency: 'EUR' })).toBe('€0.05');
    expect(formatMoney({ amountMinor: 0, currency: 'EUR' })).toBe('€0.00');
    expect(formatMoney({ amountMinor: 1234, currency: 'BHD' })).toMatch(/^BHD\s1\.234$/);
    expect(formatMoney({ amountMinor: 7, currency: 'KWD' })).toMatch(/^KWD\s0\.007$/);
  });

  it('shows yen without decimals', () => {
    const shown = formatMoney({ amountMinor: 1234, currency: 'JPY' });
    expect(shown).toBe(new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'JPY' }).format(1234));
    expect(shown).toMatch(/¥1,234$/);
  });

  it('shows negative amounts, such as credits', () => {
    expect(formatMoney({ amountMinor: -1234, currency: 'EUR' })).toBe('-€12.34');
    expect(formatMoney({ amountMinor: -5, currency: 'EUR' })).toBe('-€0.05');
  });

  it('shows the largest safe amount to the cent', () => {
    expect(formatMoney({ amountMinor: Number.MAX_SAFE_INTEGER, currency: 'EUR' })).toBe(
      '€90,071,992,547,409.91',
    );
  });

  it('follows the locale asked for', () => {
    expect(formatMoney({ amountMinor: 123456789, currency: 'EUR' }, 'de-DE')).toMatch(/^1\.234\.567,89\s€$/);
  });

  it('refuses an amount that is not a safe integer', () => {
    expect(() => formatMoney({ amountMinor: 12.5, currency: 'EUR' })).toThrow(/safe integer/);
  });
});

describe('addMoney', () => {
  it('adds amounts of one currency', () => {
    expect(addMoney({ amountMinor: 150, currency: 'EUR' }, { amountMinor: -50, currency: 'EUR' })).toEqual({
      amountMinor: 100,
      currency: 'EUR',
    });
  });

  it('refuses to mix currencies', () => {
    expect(() => addMoney({ amountMinor: 1, currency: 'EUR' }, { amountMinor: 1, currency: 'JPY' })).toThrow(
      /JPY.*EUR/,
    );
  });

  it('refuses a sum beyond the safe integer range', () => {
    const max = { amountMinor: Number.MAX_SAFE_INTEGER, currency: 'EUR' };
    expect(() => addMoney(max, { amountMinor: 1, currency: 'EUR' })).toThrow(/safe integer/);
  });
});
