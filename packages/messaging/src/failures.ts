import { NETWORK_CODES as NODE_NETWORK_CODES } from '@switchboard/database';
import { MessagingError } from './errors.ts';

/**
 * The shape of an error that says a dependency failed, not the event: `transient` and the
 * `dependency` it names (`database`, `schema-registry`, `kafka`, `smtp`, …). Other packages mark
 * their errors with it without importing this one (`@switchboard/database`'s
 * DatabaseUnavailableError does); the consumer pauses on such a failure and never parks the record.
 */
export interface DependencyFailure {
  readonly transient: true;
  readonly dependency: string;
}

/** A dependency a handler needs is unreachable or failing; throw it (with the cause) from adapters. */
export class DependencyUnavailableError extends MessagingError implements DependencyFailure {
  override readonly name = 'DependencyUnavailableError';
  readonly transient = true;

  constructor(
    readonly dependency: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** What the consumer learned from a failure that is the infrastructure's, not the event's. */
export interface InfrastructureFailure {
  readonly dependency: string;
  /** The failure as one line, for readiness and logs (an error message, never the record). */
  readonly reason: string;
}

/** Errors of the network stack (Node's, and undici's for fetch) that say a server is out of reach. */
const NETWORK_CODES = new Set([
  ...NODE_NETWORK_CODES,
  'ECONNABORTED',
  'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** nodemailer's codes for a mail server out of reach or refusing for now. */
const SMTP_CODES = new Set(['ECONNECTION', 'ESOCKET', 'EDNS', 'ETIMEDOUT', 'EAUTH', 'ETLS']);

function isDependencyFailure(error: object): error is DependencyFailure {
  const marked = error as Partial<DependencyFailure>;
  return marked.transient === true && typeof marked.dependency === 'string';
}

function field(error: object, name: string): unknown {
  return (error as Record<string, unknown>)[name];
}

function classifyOne(error: object): string | undefined {
  if (isDependencyFailure(error)) return error.dependency;
  const name = field(error, 'name');
  const code = field(error, 'code');
  if (typeof name === 'string' && name.startsWith('KafkaJS')) return 'kafka';
  // nodemailer: a `command` it was sending, or a 4xx reply (try again later).
  const responseCode = field(error, 'responseCode');
  if (field(error, 'command') !== undefined || typeof responseCode === 'number') {
    if (typeof code === 'string' && SMTP_CODES.has(code)) return 'smtp';
    if (typeof responseCode === 'number' && responseCode >= 400 && responseCode < 500) return 'smtp';
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    const address = field(error, 'address');
    const port = field(error, 'port');
    const at = typeof port === 'number' || typeof port === 'string' ? `:${port}` : '';
    return typeof address === 'string' ? `network (${address}${at})` : 'network';
  }
  // fetch with AbortSignal.timeout.
  if (name === 'TimeoutError') return 'network';
  return undefined;
}

/**
 * Whether a handler's failure is the infrastructure's — a database, broker, registry, mail server
 * or other server unreachable or refusing for now — rather than the event's. Looks through `cause`
 * chains and AggregateErrors. Anything it does not recognise is the event's (today's path: retries,
 * retry topic, dead letters), so a bug cannot hold a partition forever.
 */
export function infrastructureFailure(error: unknown): InfrastructureFailure | undefined {
  const seen = new Set<unknown>();
  const visit = (candidate: unknown, depth: number): string | undefined => {
    if (typeof candidate !== 'object' || candidate === null || seen.has(candidate) || depth > 6)
      return undefined;
    seen.add(candidate);
    const own = classifyOne(candidate);
    if (own) return own;
    if (candidate instanceof AggregateError) {
      for (const inner of candidate.errors as unknown[]) {
        const found = visit(inner, depth + 1);
        if (found) return found;
      }
    }
    return visit(field(candidate, 'cause'), depth + 1);
  };
  const dependency = visit(error, 0);
  if (!dependency) return undefined;
  const message = error instanceof Error ? error.message : String(error);
  return { dependency, reason: message.split('\n')[0]?.slice(0, 300) ?? '' };
}
