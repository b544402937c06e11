/*
 * Idempotent commands: a POST that creates something takes an `Idempotency-Key` header; a retry
 * with the same key and the same request answers what the first request created, marked
 * `Idempotent-Replayed: true`, instead of creating it again; the same key with another request is
 * 422 `IDEMPOTENCY_KEY_REUSED`. The keys live in the `idempotent_commands` table, which every
 * service creates at start (`IDEMPOTENT_COMMANDS_SQL`), scoped by the command's name.
 *
 * A new POST runs its use case's work through `runIdempotentCommand`:
 *
 * ```ts
 * const orderId = randomUUID();
 * return runIdempotentCommand(this.db, {
 *   command: 'orders.place-order',
 *   creates: 'order',
 *   key,
 *   request: input,
 *   resourceId: orderId,
 *   run: async (tx) => {
 *     const order = await this.orders.insert(tx, orderId, input);
 *     return { result: order, resourceId: orderId };
 *   },
 *   replay: async (tx, orderId) => {
 *     const order = await this.orders.get(orderId, tx);
 *     if (!order) throw new OrderNotFoundError(orderId);
 *     return order;
 *   },
 * });
 * ```
 *
 * and its controller documents the header, validates it and answers a replay:
 *
 * ```ts
 * @Post()
 * @HttpCode(202)
 * @IdempotentCommand('order', 202)
 * async create(
 *   @IdempotencyKey('order') key: string,
 *   @Body(new ZodPipe(placeOrderSchema)) body: PlaceOrder,
 *   @Res({ passthrough: true }) response: Response,
 * ): Promise<Order> {
 *   const outcome = await this.place.execute(key, body);
 *   return answerIdempotent(response, outcome, (order) => `/v1/orders/${order.id}`);
 * }
 * ```
 */
import { createHash } from 'node:crypto';
import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { RetentionRule, SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DomainError } from '@switchboard/domain';
import { z } from 'zod';
import { ApiProblems } from './openapi.ts';
import { RequestHeader, ZodPipe } from './validation.ts';

/**
 * The table of the Idempotency-Keys every command has seen: the hash of the request that claimed
 * a key and the id of what it created (null only inside the claiming transaction). Idempotent,
 * safe to run at every start; `startService` runs it before the service's migrations.
 */
export const IDEMPOTENT_COMMANDS_SQL = `
CREATE TABLE IF NOT EXISTS idempotent_commands (
  -- Scopes the keys: 'orders.place-order'. Two commands never share a key.
  command      text        NOT NULL,
  key          text        NOT NULL,
  request_hash text        NOT NULL,
  resource_id  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (command, key)
);
CREATE INDEX IF NOT EXISTS idempotent_commands_created_at ON idempotent_commands (created_at);
`;

/**
 * The retention rule of the Idempotency-Keys: a key is kept `days` after its first request, so a
 * client may retry that long; a request with the key after that creates anew. Keys still being
 * claimed (no `resource_id` yet) are never taken.
 */
export function idempotencyKeyRetention(days: number): RetentionRule {
  return {
    name: 'idempotency-keys',
    async pruneBatch(db, limit) {
      const { rows } = await db.query(
        `DELETE FROM idempotent_commands WHERE ctid IN (
           SELECT ctid FROM idempotent_commands
           WHERE created_at < now() - make_interval(days => $1) AND resource_id IS NOT NULL
           LIMIT $2)
         RETURNING 1`,
        [days, limit],
      );
      return rows.length;
    },
  };
}

/**
 * The hash of a request body by which a retry with the same Idempotency-Key is told from a reuse
 * of the key for another request: SHA-256 of its canonical JSON (keys sorted at every level), so
 * the same request hashes the same however its client ordered the fields.
 */
export function requestHash(body: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, canonical(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(body)))
    .digest('hex');
}

/** The `Idempotency-Key` header of a request that creates `what` (an order, a campaign). */
export function idempotencyKeySchema(what: string) {
  return z
    .string({ message: `is required: a unique key per ${what}, reused when the request is retried` })
    .min(8, 'must be at least 8 characters (a UUID is a good key)')
    .max(200);
}

/** The Idempotency-Key was first used for another request (its body hashes differently). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor(what: string) {
    super(`this Idempotency-Key was used for a different request; use a new key for a new ${what}`);
  }
}

/** One request of an idempotent command: which key it carries, and how to run or replay it. */
export interface IdempotentCommandOptions<Result> {
  /** The command's name, scoping its keys: `<service>.<command>`, e.g. 'orders.place-order'. */
  readonly command: string;
  /** What one request creates ('order'), as the reuse error names it. */
  readonly creates: string;
  /** The request's Idempotency-Key. */
  readonly key: string;
  /** The request (its body) whose hash tells a retry from a reuse of the key. */
  readonly request: unknown;
  /**
   * The id of what `run` will create, when it is chosen before (a new UUID): recorded with the
   * claim of the key, which saves the statement recording it afterwards.
   */
  readonly resourceId?: string;
  /** Does the work, once per key, in the transaction that claims the key. */
  run(tx: SqlExecutor): Promise<{ readonly result: Result; readonly resourceId: string }>;
  /** Answers a retry: what `run` created for the key (`resourceId`), as it is now. */
  replay(tx: SqlExecutor, resourceId: string): Promise<Result>;
}

/** What an idempotent command answers: its result, and whether it was a retry's replay. */
export interface IdempotentOutcome<Result> {
  readonly result: Result;
  readonly replayed: boolean;
}

/**
 * Runs a command once per Idempotency-Key, in one transaction with the claim of its key: a first
 * request claims the key, runs the command and records what it created; a retry with the same
 * request replays that; the same key with another request throws IdempotencyKeyReusedError.
 * Whatever the command throws rolls the whole transaction back, claim included, and propagates
 * unchanged, so a retry runs the command again.
 *
 * Concurrent requests with one key need no retry loop: on PostgreSQL the second claim's insert
 * waits until the first transaction ends, then finds the committed claim (READ COMMITTED, the
 * default, lets its next statement see it) or, when the first rolled back, claims the key itself.
 * PGlite runs one transaction at a time.
 */
export async function runIdempotentCommand<Result>(
  db: SqlDatabase,
  options: IdempotentCommandOptions<Result>,
): Promise<IdempotentOutcome<Result>> {
  const { command, key } = options;
  const hash = requestHash(options.request);
  return db.transaction(async (tx) => {
    const claimed = await tx.query(
      `INSERT INTO idempotent_commands (command, key, request_hash, resource_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (command, key) DO NOTHING RETURNING key`,
      [command, key, hash, options.resourceId ?? null],
    );
    if (claimed.rows.length > 0) {
      const { result, resourceId } = await options.run(tx);
      if (resourceId !== options.resourceId)
        await tx.query('UPDATE idempotent_commands SET resource_id = $3 WHERE command = $1 AND key = $2', [
          command,
          key,
          resourceId,
        ]);
      return { result, replayed: false };
    }
    const { rows } = await tx.query<{ request_hash: string; resource_id: string | null }>(
      'SELECT request_hash, resource_id FROM idempotent_commands WHERE command = $1 AND key = $2',
      [command, key],
    );
    const earlier = rows[0];
    if (earlier === undefined || earlier.resource_id === null) {
      throw new Error(`${command}: Idempotency-Key ${key} is claimed but records nothing it created`);
    }
    if (earlier.request_hash !== hash) throw new IdempotencyKeyReusedError(options.creates);
    // Inside the transaction: PGlite has one connection, so a query beside it would wait forever.
    return { result: await options.replay(tx, earlier.resource_id), replayed: true };
  });
}

/**
 * Documents an idempotent POST that creates `what` and answers `status`: the required
 * `Idempotency-Key` header, the `Idempotent-Replayed` header of a retry's answer and the 422 of a
 * reused key. Validate the header with `@IdempotencyKey(what)`.
 */
export function IdempotentCommand(what: string, status: number): MethodDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: true,
      description: `a unique key per ${what}; resend it on retries`,
    }),
    ApiResponse({
      status,
      headers: {
        'Idempotent-Replayed': {
          description: `\`true\` when this answers a retry: the ${what} the first request created, as it is now`,
          schema: { type: 'string', enum: ['true'] },
        },
      },
    }),
    ApiProblems({ status: 422, description: 'an Idempotency-Key reused for another request' }),
  );
}

/** The request's `Idempotency-Key` header, validated: a problem names `header.idempotency-key`. */
export function IdempotencyKey(what: string): ParameterDecorator {
  return RequestHeader('idempotency-key', new ZodPipe(idempotencyKeySchema(what)));
}

/**
 * Answers an idempotent command's outcome: its result, with the `Location` of what it created
 * (`locationOf`, when given) and `Idempotent-Replayed: true` on a replay.
 */
export function answerIdempotent<Result>(
  response: { setHeader(name: string, value: string): unknown },
  outcome: IdempotentOutcome<Result>,
  locationOf?: (result: Result) => string,
): Result {
  if (locationOf) response.setHeader('Location', locationOf(outcome.result));
  if (outcome.replayed) response.setHeader('Idempotent-Replayed', 'true');
  return outcome.result;
}
