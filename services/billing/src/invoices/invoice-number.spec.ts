import { describe, expect, it } from 'vitest';
import { formatInvoiceNumber } from './invoice-number.ts';

describe('formatInvoiceNumber', () => {
  it('pads the sequence to six digits', () => {
    expect(formatInvoiceNumber('INV', 2026, 42)).toBe('INV-2026-000042');
    expect(formatInvoiceNumber('INV', 2026, 1)).toBe('INV-2026-000001');
    expect(formatInvoiceNumber('INV', 2026, 999_999)).toBe('INV-2026-999999');
  });

  it('grows beyond six digits instead of wrapping', () => {
    expect(formatInvoiceNumber('INV', 2026, 1_000_000)).toBe('INV-2026-1000000');
  });

  it.each([
    ['inv', 2026, 1],
    ['', 2026, 1],
    ['TOO-LONG-PREFIX', 2026, 1],
    ['INV', 26, 1],
    ['INV', 12026, 1],
    ['INV', 2026, 0],
    ['INV', 2026, -3],
    ['INV', 2026, 1.5],
    ['INV', 2026, Number.MAX_SAFE_INTEGER + 1],
  ])('refuses prefix %j, year %j, sequence %j', (prefix, year, sequence) => {
    expect(() => formatInvoiceNumber(prefix, year, sequence)).toThrow(RangeError);
  });
});
