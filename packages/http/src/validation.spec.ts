import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RequestValidationError } from './errors.ts';
import { parseRequest, ZodPipe } from './validation.ts';

const problemsOf = (run: () => unknown): unknown => {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  return undefined;
};

describe('request validation', () => {
  const customer = z.object({ name: z.string(), address: z.object({ lines: z.array(z.string()) }) });

  it('refuses text holding the NUL character, naming each field, which no database column stores', () => {
    const body = { name: 'Muster\u0000GmbH', address: { lines: ['Hauptstr. 1', '\u0000'] } };
    expect(problemsOf(() => parseRequest(customer, body, 'body'))).toEqual([
      { field: 'name', message: 'must not contain the NUL character (U+0000)' },
      { field: 'address.lines.1', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('names a query parameter or a path part by where it is', () => {
    expect(problemsOf(() => parseRequest(z.object({ q: z.string() }), { q: 'a\u0000' }, 'query'))).toEqual([
      { field: 'query.q', message: 'must not contain the NUL character (U+0000)' },
    ]);
    const pipe = new ZodPipe(z.string());
    expect(problemsOf(() => pipe.transform('x\u0000', { type: 'param', data: 'id' }))).toEqual([
      { field: 'path.id', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('passes other text as it is', () => {
    expect(parseRequest(customer, { name: 'Café ☕', address: { lines: [] } }, 'body')).toEqual({
      name: 'Café ☕',
      address: { lines: [] },
    });
  });
});
