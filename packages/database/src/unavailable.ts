/**
 * The database is unreachable or refused for now — not a problem of the statement or the data.
 * `transient` and `dependency` are the shape `@switchboard/messaging` reads: a consumer whose
 * handler fails with it pauses and tries again, instead of parking a good event as bad.
 * The driver's own error is the `cause` (its SQLSTATE, if any, is `code`).
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly transient = true;
  readonly dependency = 'database';
  /** The SQLSTATE or network error code of the cause, when it has one. */
  readonly code: string | undefined;

  constructor(cause: Error) {
    super(`database unavailable: ${cause.message}`, { cause });
    const code = (cause as { code?: unknown }).code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/**
 * SQLSTATEs that say "try again": connection exceptions (08), insufficient resources (53),
 * shutdown and recovery (57P01–57P03), a cancelled statement (57014), system errors (58),
 * serialization failures and deadlocks (40001, 40P01), a lock not available in time (55P03).
 */
function transientSqlState(code: string): boolean {
  return (
    /^(08|53|58)/.test(code) || ['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03'].includes(code)
  );
}

/** Node's network error codes for a server out of reach or a connection lost. */
export const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** node-postgres's messages, without a code, for a connection lost, refused or not had in time. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect/,
  /is not queryable/,
  /^Cannot use a pool after calling end/,
  /^Client was closed and is not queryable/,
];

/** Whether a driver error means the database is unavailable for now rather than the query wrong. */
export function isUnavailable(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (transientSqlState(code) || NETWORK_CODES.has(code))) return true;
  return DRIVER_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** The error as DatabaseUnavailableError when it says the database is unavailable; else as it is. */
export function asUnavailable(error: unknown): unknown {
  if (error instanceof DatabaseUnavailableError) return error;
  return isUnavailable(error) ? new DatabaseUnavailableError(error) : error;
}
