import { z } from 'zod';

const DEFAULT_MESSAGE = 'must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00Z';

/**
 * An ISO 8601 date-time with an offset, parsed to the UTC instant it names (`…Z`): what the
 * services store and compare. An offset such as `+16:15` is valid ISO 8601 but beyond what
 * PostgreSQL reads (±15:59), and an instant outside the years 1–9999 has no ISO form it reads
 * either, so both are refused here, naming the field, instead of failing at the database.
 */
export function isoInstant(message = DEFAULT_MESSAGE) {
  return z.iso
    .datetime({ offset: true, message, abort: true })
    .transform((value) => new Date(value))
    .refine((instant) => {
      const year = instant.getUTCFullYear();
      return year >= 1 && year <= 9999;
    }, 'must lie within the years 1 to 9999 (UTC)')
    .transform((instant) => instant.toISOString());
}
