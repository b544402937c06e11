import type { z } from 'zod';
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
