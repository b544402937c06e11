/** A billing period: a calendar month in UTC, as 'YYYY-MM'. */
export type Period = string;

const MS_PER_DAY = 86_400_000;
const FIRST_YEAR = 2000;
const LAST_YEAR = 9999;

const pad = (value: number, width: number): string => String(value).padStart(width, '0');

/** The period (calendar month in UTC) that `epochMs` falls in. */
export function periodOf(epochMs: number): Period {
  const date = new Date(epochMs);
  if (!Number.isFinite(epochMs) || Number.isNaN(date.getTime())) {
    throw new RangeError(`${epochMs} is not an instant`);
  }
  const year = date.getUTCFullYear();
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new RangeError(`${date.toISOString()} is outside the billable years ${FIRST_YEAR}–${LAST_YEAR}`);
  }
  return `${pad(year, 4)}-${pad(date.getUTCMonth() + 1, 2)}`;
}

/** Year and month (1–12) of a strict 'YYYY-MM' with year 2000–9999; undefined for anything else. */
export function parsePeriod(text: string): { year: number; month: number } | undefined {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (year < FIRST_YEAR || year > LAST_YEAR || month < 1 || month > 12) return undefined;
  return { year, month };
}

/** The instants of `period` as epoch ms: from `start` (included) to `end` (excluded), in UTC. */
export function periodBounds(period: Period): { start: number; end: number } {
  const parsed = parsePeriod(period);
  if (!parsed) throw new RangeError(`"${period}" is not a period (YYYY-MM)`);
  return {
    start: Date.UTC(parsed.year, parsed.month - 1, 1),
    end: Date.UTC(parsed.year, parsed.month, 1),
  };
}

/** The UTC calendar date 'YYYY-MM-DD' that is `dueDays` days after the UTC date of `issuedAt`. */
export function dueDate(issuedAt: number, dueDays: number): string {
  if (!Number.isSafeInteger(dueDays) || dueDays < 0) {
    throw new RangeError(`dueDays must be a whole number of days, 0 or more; got ${dueDays}`);
  }
  const due = new Date(issuedAt + dueDays * MS_PER_DAY);
  if (!Number.isFinite(issuedAt) || Number.isNaN(due.getTime())) {
    throw new RangeError(`${issuedAt} is not an instant`);
  }
  return due.toISOString().slice(0, 10);
}
