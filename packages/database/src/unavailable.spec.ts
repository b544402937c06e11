import { describe, expect, it } from 'vitest';
import { asUnavailable, DatabaseUnavailableError, isUnavailable } from './unavailable.ts';

const pgError = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('which database errors mean "unavailable for now"', () => {
  it('counts lost connections, shutdowns, lock and serialization failures as unavailable', () => {
    for (const [message, code] of [
      ['terminating connection due to administrator command', '57P01'],
      ['the database system is starting up', '57P03'],
      ['connection failure', '08006'],
      ['sorry, too many clients already', '53300'],
      ['could not serialize access due to concurrent update', '40001'],
      ['deadlock detected', '40P01'],
      ['canceling statement due to lock timeout', '55P03'],
      ['connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'],
    ] as const)
      expect(isUnavailable(pgError(message, code)), `${code} ${message}`).toBe(true);
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
  });

  it('leaves errors of the statement or the data as they are', () => {
    for (const [message, code] of [
      ['duplicate key value violates unique constraint "invoices_pkey"', '23505'],
      ['relation "missing" does not exist', '42P01'],
      ['invalid input syntax for type uuid', '22P02'],
    ] as const) {
      const error = pgError(message, code);
      expect(isUnavailable(error)).toBe(false);
      expect(asUnavailable(error)).toBe(error);
    }
    expect(isUnavailable('not an error')).toBe(false);
  });

  it('wraps an unavailable error once, keeping the cause and its code, in the shape the consumer reads', () => {
    const cause = pgError('terminating connection due to administrator command', '57P01');
    const wrapped = asUnavailable(cause);
    expect(wrapped).toBeInstanceOf(DatabaseUnavailableError);
    expect(wrapped).toMatchObject({
      transient: true,
      dependency: 'database',
      code: '57P01',
      cause,
      message: 'database unavailable: terminating connection due to administrator command',
    });
    expect(asUnavailable(wrapped)).toBe(wrapped);
  });
});
