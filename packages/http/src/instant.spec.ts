import { describe, expect, it } from 'vitest';
import { isoInstant } from './instant.ts';

describe('isoInstant', () => {
  const schema = isoInstant();

  it('reads any offset ISO 8601 allows as the UTC instant it names', () => {
    expect(schema.parse('0125-11-08T18:24:28.385355+16:15')).toBe('0125-11-08T02:09:28.385Z');
    expect(schema.parse('2026-12-01T09:00:00+01:00')).toBe('2026-12-01T08:00:00.000Z');
  });

  it('refuses an instant outside the years 1 to 9999, which no database form holds', () => {
    expect(schema.safeParse('0000-06-01T00:00:00Z').success).toBe(false);
    expect(schema.safeParse('9999-12-31T23:00:00-05:00').success).toBe(false);
  });

  it('refuses what is not a date-time with offset, with the message given', () => {
    const result = isoInstant('must be a date-time').safeParse('2026-12-01 09:00');
    expect(result.success ? undefined : result.error.issues.map((i) => i.message)).toEqual([
      'must be a date-time',
    ]);
  });
});
