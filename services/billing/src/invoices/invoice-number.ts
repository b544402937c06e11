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

/**
 * The parts of an invoice number that {@link formatInvoiceNumber} could have made; undefined for
 * anything else. Read from the right, since the prefix may itself contain dashes and digits.
 */
export function parseInvoiceNumber(
  text: string,
): { prefix: string; year: number; sequence: number } | undefined {
  const match = /^(.+)-(\d{4})-(\d{6,})$/.exec(text);
  if (!match) return undefined;
  const [, prefix = '', yearText = '', sequenceText = ''] = match;
  const year = Number(yearText);
  const sequence = Number(sequenceText);
  if (!PREFIX.test(prefix) || year < 1000 || !Number.isSafeInteger(sequence) || sequence < 1) {
    return undefined;
  }
  // Only the canonical spelling: '0000042' is not how invoice 42 is written.
  if (formatInvoiceNumber(prefix, year, sequence) !== text) return undefined;
  return { prefix, year, sequence };
}
