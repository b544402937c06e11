import { describe, expect, it } from 'vitest';
import { formatInvoiceNumber, parseInvoiceNumber } from './invoice-number.ts';

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

describe('parseInvoiceNumber', () => {
  it.each([
    ['INV', 2026, 42],
    ['SB-DE', 2026, 7],
    ['2026-A-2025', 2027, 123],
    ['INV', 2026, 12_345_678],
  ])('reads back what %s, %i, %i formats to', (prefix, year, sequence) => {
    expect(parseInvoiceNumber(formatInvoiceNumber(prefix, year, sequence))).toEqual({
      prefix,
      year,
      sequence,
    });
  });

  it('takes dashes in the prefix as part of the prefix', () => {
    expect(parseInvoiceNumber('SB-DE-2026-000042')).toEqual({ prefix: 'SB-DE', year: 2026, sequence: 42 });
  });

  it.each([
    'INV-2026-42',
    'INV-2026-0000042',
    'INV-2026-000000',
    'inv-2026-000042',
    'INV-26-000042',
    '2026-000042',
    'INV-2026-000042 ',
    'INV_X-2026-000042',
    '',
  ])('rejects %j', (text) => {
    expect(parseInvoiceNumber(text)).toBeUndefined();
  });
});
