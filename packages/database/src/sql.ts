import type { PGlite } from '@electric-sql/pglite';
import type { Pool, PoolClient } from 'pg';
import { asUnavailable, DatabaseUnavailableError } from './unavailable.ts';

/**
 * The little of a SQL database that repositories, the outbox and the inbox need, so they work on
 * PGlite (a service's default, in-process) and on PostgreSQL (when DATABASE_URL is set) alike.
 */
export interface SqlExecutor {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: Row[] }>;
  /** Runs a script of several statements without parameters (a migration file). */
  script(sql: string): Promise<void>;
  /**
   * Inside a transaction: runs `callback` once the transaction has committed (never when it rolls
   * back). Absent outside transactions.
   */
  afterCommit?(callback: () => void): void;
}

export interface SqlDatabase extends SqlExecutor {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * True when `session` gives a connection of its own (a pool's); false when every caller shares
   * one (PGlite), so session settings would reach everyone's transactions.
   */
  readonly separateSessions: boolean;
  /** Runs `work` on one connection, outside any transaction (for session-level advisory locks). */
  session<T>(work: (connection: SqlExecutor) => Promise<T>): Promise<T>;
  /** Calls `onNotify` for every NOTIFY on the channel, from any connection; resolves to unlisten. */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/**
 * Runs `work` with an executor whose `afterCommit` callbacks run once `commit` (which runs the
 * transaction around it) has resolved; a failing callback cannot undo a commit, so it is reported
 * and ignored.
 */
async function withAfterCommit<T>(
  commit: (register: (callback: () => void) => void) => Promise<T>,
): Promise<T> {
  const callbacks: (() => void)[] = [];
  const result = await commit((callback) => callbacks.push(callback));
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      // Thrown from here it would fail a caller whose transaction did commit.
      process.emitWarning(error instanceof Error ? error : String(error), 'AfterCommitWarning');
    }
  }
  return result;
}

/** A PGlite instance as a SqlDatabase. */
export function pgliteDatabase(pg: PGlite): SqlDatabase {
  const executor = (client: Pick<PGlite, 'query' | 'exec'>): SqlExecutor => ({
    query: async <Row>(sql: string, params?: unknown[]) => ({
      rows: (await client.query<Row>(sql, params)).rows,
    }),
    script: async (sql) => {
      await client.exec(sql);
    },
  });
  return {
    ...executor(pg),
    transaction: (work) =>
      withAfterCommit((afterCommit) => pg.transaction((tx) => work({ ...executor(tx), afterCommit }))),
    // PGlite is one connection: the instance itself.
    separateSessions: false,
    session: (work) => work(executor(pg)),
    listen: async (channel, onNotify) => {
      const unlisten = await pg.listen(channel, () => onNotify());
      return () => unlisten();
    },
  };
}

/** Runs a driver call; a lost, refused or busy connection becomes DatabaseUnavailableError. */
async function driver<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw asUnavailable(error);
  }
}

/**
 * A connection of the pool, checked out for one piece of work. node-postgres's pool listens for
 * a connection's errors only while it is idle: one that loses its server while checked out and
 * between statements (a transaction waiting on other work, a session holding an advisory lock)
 * would emit 'error' with no listener, which ends the process. Here the loss is only noted; the
 * next statement on the connection fails as DatabaseUnavailableError, and `release` discards it.
 */
async function checkOut(pool: Pool): Promise<{ client: PoolClient; release: (error?: unknown) => void }> {
  const client = await driver(() => pool.connect());
  let lost: Error | undefined;
  const onError = (error: Error): void => {
    lost ??= error;
  };
  client.on('error', onError);
  return {
    client,
    release: (error?: unknown): void => {
      client.off('error', onError);
      const failure = lost ?? (error === undefined ? undefined : asUnavailable(error));
      client.release(failure instanceof Error ? failure : failure === undefined ? undefined : true);
    },
  };
}

/** Waits before LISTEN is tried again after its connection was lost: doubling, at most 5 s. */
const RELISTEN_MAX_MS = 5000;

/**
 * A node-postgres pool as a SqlDatabase; LISTEN holds one dedicated connection, taken again by
 * itself when it is lost. A failure that says the server is unreachable or refuses for now (see
 * `isUnavailable`) is thrown as DatabaseUnavailableError, so callers can tell it from a failing
 * statement.
 */
export function postgresDatabase(pool: Pool): SqlDatabase {
  const executor = (client: Pool | PoolClient): SqlExecutor => ({
    query: async <Row>(sql: string, params?: unknown[]) => ({
      rows: (await driver(() => client.query(sql, params))).rows as Row[],
    }),
    // Without parameters, node-postgres sends the simple protocol, which runs several statements.
    script: async (sql) => {
      await driver(() => client.query(sql));
    },
  });
  return {
    ...executor(pool),
    separateSessions: true,
    transaction: (work) =>
      withAfterCommit(async (afterCommit) => {
        const { client, release } = await checkOut(pool);
        try {
          await driver(() => client.query('BEGIN'));
          const result = await work({ ...executor(client), afterCommit });
          await driver(() => client.query('COMMIT'));
          release();
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          // A connection that lost its server is discarded, not handed to the next caller.
          const failure = asUnavailable(error);
          release(failure instanceof DatabaseUnavailableError ? failure : undefined);
          throw error;
        }
      }),
    async session(work) {
      const { client, release } = await checkOut(pool);
      try {
        const result = await work(executor(client));
        release();
        return result;
      } catch (error) {
        // The connection may be broken, or still hold session state such as a lock: discard it.
        release(error instanceof Error ? error : new Error(String(error)));
        throw error;
      }
    },
    async listen(channel, onNotify) {
      const statement = (verb: string): string => `${verb} "${channel.replaceAll('"', '""')}"`;
      const handler = (message: { channel: string }): void => {
        if (message.channel === channel) onNotify();
      };
      let current: { client: PoolClient; lost: (error: Error) => void } | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      const attach = async (): Promise<void> => {
        const client = await driver(() => pool.connect());
        const lost = (error: Error): void => {
          if (current?.client !== client) return;
          current = undefined;
          client.off('notification', handler);
          client.release(error);
          if (!stopped) again(200);
        };
        client.on('error', lost);
        client.on('notification', handler);
        try {
          await driver(() => client.query(statement('LISTEN')));
        } catch (error) {
          client.off('error', lost);
          client.off('notification', handler);
          client.release(error instanceof Error ? error : true);
          throw error;
        }
        current = { client, lost };
        if (stopped) await unlisten();
      };
      // Notifications sent while the connection was away are lost: the listener is woken once.
      const again = (delayMs: number): void => {
        retry = setTimeout(() => {
          attach().then(
            () => (stopped ? undefined : onNotify()),
            () => (stopped ? undefined : again(Math.min(delayMs * 2, RELISTEN_MAX_MS))),
          );
        }, delayMs);
        retry.unref();
      };
      const unlisten = async (): Promise<void> => {
        stopped = true;
        clearTimeout(retry);
        const held = current;
        current = undefined;
        if (!held) return;
        held.client.off('notification', handler);
        await held.client.query(statement('UNLISTEN')).catch(() => undefined);
        held.client.off('error', held.lost);
        held.client.release();
      };
      await attach();
      return unlisten;
    },
  };
}
