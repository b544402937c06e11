import type { Money } from '@switchboard/contracts';

/** Emails and letters are written in British English; times are always shown in UTC. */
const LOCALE = 'en-GB';

// Building an Intl formatter costs about a millisecond (formatting with one, microseconds), so each
// is built once: one per currency for money, one for instants, one for dates.
const moneyFormats = new Map<string, Intl.NumberFormat>();
const instantFormat = new Intl.DateTimeFormat(LOCALE, {
  dateStyle: 'full',
  timeStyle: 'short',
  timeZone: 'UTC',
});
const dateFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'long', timeZone: 'UTC' });

function moneyFormat(currency: string): Intl.NumberFormat {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(LOCALE, { style: 'currency', currency });
    moneyFormats.set(currency, format);
  }
  return format;
}

/**
 * A money amount as a reader expects it, e.g. `€1,234.50`, `JP¥1,235`, `BHD 1,234.567`. The number of
 * decimals is the currency's own (Intl knows them), so `amountMinor` is cents for EUR, yen for JPY
 * and fils for BHD. The decimal string is built from integers, so large amounts stay exact.
 */
export function formatMoney(money: Money): string {
  const format = moneyFormat(money.currency);
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  const minor = BigInt(money.amountMinor);
  const negative = minor < 0n;
  const units = (negative ? -minor : minor).toString().padStart(digits + 1, '0');
  const whole = units.slice(0, units.length - digits);
  const fraction = units.slice(units.length - digits);
  const decimal = `${negative ? '-' : ''}${whole}${digits > 0 ? `.${fraction}` : ''}`;
  // Intl formats a decimal string exactly (no detour through a binary float).
  return format.format(decimal as `${number}`);
}

/** An instant in UTC for people, e.g. `Tuesday, 1 December 2026 at 09:00 UTC`. */
export function formatUtc(epochMs: number): string {
  return `${instantFormat.format(new Date(epochMs))} UTC`;
}

/** A calendar date `YYYY-MM-DD` for people, e.g. `15 December 2026`. */
export function formatDate(isoDate: string): string {
  return dateFormat.format(new Date(`${isoDate}T00:00:00Z`));
}
