import { z } from 'zod';
import { InvalidCursorError } from './errors.ts';

/** What a caller asks of a list: how many items, and from where (a cursor a page handed out). */
export interface PageQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** A page of a list: its items and, when there are more, the cursor of the next page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/**
 * Keyset pagination: a cursor is the sort key of the last item handed out (e.g. `[createdAt, id]`),
 * opaque to clients (base64url JSON), so pages stay stable while rows are added.
 */
export function encodeCursor(position: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * The parts a cursor's position is made of, checked as strictly as the database will read them,
 * so a forged cursor is a 400 INVALID_CURSOR and never a failed query: a sequence number is a whole
 * number a bigint holds; an instant is an ISO 8601 UTC date-time of a day that exists, from year 1.
 */
export const cursorPart = {
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  instant: z.iso.datetime().refine(
    (text) =>
      // Year 0 parses in JavaScript but not in PostgreSQL, whose calendar has none.
      !text.startsWith('0000') &&
      !Number.isNaN(Date.parse(text)) &&
      new Date(text).toISOString().slice(0, 10) === text.slice(0, 10),
  ),
} as const;

/** The position of a cursor from `encodeCursor`, checked against the expected shape. */
export function decodeCursor<T extends readonly (string | number)[]>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // not JSON: reported below like any other foreign cursor
  }
  throw new InvalidCursorError();
}

/**
 * Builds a page from rows fetched with `LIMIT limit + 1`: the extra row only tells that another
 * page exists.
 */
export function pageOf<Row, Item>(
  rows: readonly Row[],
  limit: number,
  toItem: (row: Row) => Item,
  positionOf: (row: Row) => readonly (string | number)[],
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(toItem),
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null,
  };
}
