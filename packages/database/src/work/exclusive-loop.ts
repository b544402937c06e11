import { setImmediate as turn } from 'node:timers/promises';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { Sleeper } from './sleeper.ts';

/** How often a process on standby tries to take the lead (and how long it pauses after an error). */
const STANDBY_MS = 1_000;

/**
 * A background loop (mailing's dispatcher and campaigns, billing's period closes) that runs in one process per database at a time: it holds a PostgreSQL
 * session advisory lock while it works, and the other replicas wait on standby, trying again every
 * second. The lock lives as long as the session, so when the leading process dies (even killed)
 * the lock goes with it and the next one takes over at once — no lease to wait out, and its work
 * is picked up where it stopped.
 */
export class ExclusiveLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  /** The pauses of the loop's passes: `wake()` cuts the wakeable ones short. */
  readonly sleeper = new Sleeper();

  constructor(
    private readonly db: SqlDatabase,
    /** The advisory lock's key, unique to this loop. */
    private readonly lockKey: number,
    /** Told about a pass that failed; the loop pauses, then goes on. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Calls `pass` again and again while this process leads, with the session holding the lock (a
   * query on it fails once the lock is lost with its connection). A pass pauses by itself.
   */
  start(pass: (session: SqlExecutor) => Promise<void>): void {
    this.running = true;
    this.loop = this.run(pass);
  }

  wake(): void {
    this.sleeper.wake();
  }

  /** Ends the pass in progress, releases the lock and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    await this.loop;
  }

  private async run(pass: (session: SqlExecutor) => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await this.db.session(async (session) => {
          const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
            this.lockKey,
          ]);
          if (rows[0]?.ok !== true) return;
          try {
            while (this.running) {
              await pass(session);
              // A pass may wait on nothing but promises (PGlite answers through them alone, and
              // rendering a PDF is CPU work): without a turn of the event loop between passes,
              // a busy loop would starve timers and sockets — HTTP requests, Kafka heartbeats and
              // the relay's answers — for as long as it has work.
              await turn();
            }
          } finally {
            await session.query('SELECT pg_advisory_unlock($1)', [this.lockKey]);
          }
        });
      } catch (error) {
        this.onError(error);
      }
      if (this.running) await this.sleeper.sleep(STANDBY_MS);
    }
  }
}
