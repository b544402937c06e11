/** An amount in integer minor units of its currency; the same shape as the Avro `Money`. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/**
 * Throws unless `currency` is an ISO 4217 code the runtime knows, in upper case: a typo would
 * otherwise be formatted with a made-up two-decimal currency.
 */
export function assertCurrency(currency: string): void {
  if (!/^[A-Z]{3}$/.test(currency) || !KNOWN_CURRENCIES.has(currency)) {
    throw new RangeError(`"${currency}" is not an ISO 4217 currency code`);
  }
}

/** Throws unless `value` is an integer that a JS number holds exactly. */
export function assertSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be a safe integer, got ${value}`);
  }
}

// Building an Intl.NumberFormat costs far more than formatting with one (an invoice of 500 calls
// formats thousands of amounts), so each is built once per currency and locale.
const MINOR_DIGITS = new Map<string, number>();
const FORMATS = new Map<string, Intl.NumberFormat>();

/** How many digits of the currency's amounts are minor units: EUR 2, JPY 0, BHD and KWD 3. */
export function minorUnitDigits(currency: string): number {
  const known = MINOR_DIGITS.get(currency);
  if (known !== undefined) return known;
  assertCurrency(currency);
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
    .maximumFractionDigits;
  if (digits === undefined) throw new RangeError(`no minor units known for ${currency}`);
  MINOR_DIGITS.set(currency, digits);
  return digits;
}

function currencyFormat(locale: string, currency: string, digits: number): Intl.NumberFormat {
  const key = `${locale} ${currency}`;
  let format = FORMATS.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    FORMATS.set(key, format);
  }
  return format;
}

/** `amountMinor` in `currency`, checked to be a safe integer. */
export function money(amountMinor: number, currency: string): Money {
  assertCurrency(currency);
  assertSafeInteger(amountMinor, `amount in ${currency}`);
  return { amountMinor, currency };
}

/** a + b; refuses to mix currencies or to leave the safe integer range. */
export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) {
    throw new RangeError(`cannot add ${b.currency} to ${a.currency}`);
  }
  return money(a.amountMinor + b.amountMinor, a.currency);
}

/** unitPrice × quantity, for a whole-number quantity; refuses to leave the safe integer range. */
export function multiplyMoney(unitPrice: Money, quantity: number): Money {
  assertSafeInteger(quantity, 'quantity');
  assertSafeInteger(unitPrice.amountMinor, `unit price in ${unitPrice.currency}`);
  return money(unitPrice.amountMinor * quantity, unitPrice.currency);
}

/**
 * The amount as people read it, e.g. `€12.34`, `JP¥1,234` or `BHD 1.234` in `en-GB`.
 *
 * The decimal is built from the integer with string operations and handed to `Intl` as a string,
 * so that no amount, however large, goes through a binary fraction and comes out a cent off.
 */
export function formatMoney(value: Money, locale = 'en-GB'): string {
  const digits = minorUnitDigits(value.currency);
  assertSafeInteger(value.amountMinor, `amount in ${value.currency}`);
  const sign = value.amountMinor < 0 ? '-' : '';
  const magnitude = String(Math.abs(value.amountMinor)).padStart(digits + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - digits);
  const fraction = magnitude.slice(magnitude.length - digits);
  const decimal = (digits === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction}`) as `${number}`;
  return currencyFormat(locale, value.currency, digits).format(decimal);
}
