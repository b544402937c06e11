import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidCursorError } from './errors.ts';
import { cursorPart, decodeCursor, encodeCursor } from './pagination.ts';

const byTimeAndSeq = z.tuple([cursorPart.instant, cursorPart.seq]);
const forged = (position: unknown) => Buffer.from(JSON.stringify(position)).toString('base64url');

describe('cursors', () => {
  it('reads back the position a page handed out', () => {
    const cursor = encodeCursor(['2031-03-04T09:30:00.000Z', 42]);
    expect(decodeCursor(cursor, byTimeAndSeq)).toEqual(['2031-03-04T09:30:00.000Z', 42]);
  });

  it('refuses a forged cursor the database could not read, instead of running the query', () => {
    for (const position of [
      ['2031-02-31T09:30:00Z', 1],
      ['2031-13-01T00:00:00Z', 1],
      ['0000-01-01T00:00:00Z', 1],
      ['2031-03-04T09:30:00Z', 1e300],
      ['2031-03-04T09:30:00Z', -1],
      ['2031-03-04T09:30:00Z', 1.5],
      ['2031-03-04T09:30:00Z'],
      'not a list',
    ])
      expect(() => decodeCursor(forged(position), byTimeAndSeq), JSON.stringify(position)).toThrow(
        InvalidCursorError,
      );
    expect(() => decodeCursor('%%%', byTimeAndSeq)).toThrow(InvalidCursorError);
  });
});
