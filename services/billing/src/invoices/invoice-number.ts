const PREFIX = /^[A-Z0-9-]{1,12}$/;
const SEQUENCE_DIGITS = 6;

/**
 * An invoice number such as `INV-2026-000042`: prefix, year of issue and the sequence within that
 * prefix and year, zero-padded to 6 digits (more digits once it passes 999999).
 *
 * Numbers are gap-free only if `sequence` comes from a counter per (prefix, year) that is
 * incremented in the transaction that issues the invoice; this function only formats.
 */
export function formatInvoiceNumber(prefix: string, year: number, sequence: number): string {
  if (!PREFIX.test(prefix)) {
    throw new RangeError(`invoice number prefix "${prefix}" must be 1–12 of A–Z, 0–9 and -`);
  }
  if (!Number.isInteger(year) || year < 1000 || year > 9999) {
    throw new RangeError(`invoice number year must have 4 digits, got ${year}`);
  }
  if (!Number.isSafeInteger(sequence) || sequence < 1) {
    throw new RangeError(`invoice number sequence must be a positive safe integer, got ${sequence}`);
  }
  return `${prefix}-${year}-${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}
