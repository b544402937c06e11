import { setImmediate as turn } from 'node:timers/promises';
import type { SqlDatabase, SqlExecutor } from '../sql.ts';
import { Sleeper } from './sleeper.ts';

export interface ExclusiveLoopOptions {
  /** The advisory lock's key, unique to this loop. */
  readonly lockKey: number;
  /** Told about a session that failed (a pass threw, the connection broke); the loop goes on. */
  readonly onError: (error: unknown) => void;
  /**
   * How often a process on standby tries to take the lead, and the pause after a failed session
   * (default 1 s). `wake()` cuts a standby short, so new work is taken up at once.
   */
  readonly standbyMs?: number;
  /** Runs on the session once the lock is taken, before the first pass (e.g. session settings). */
  readonly onLead?: (session: SqlExecutor) => Promise<void>;
  /** Runs on the session before the lock is given up, also after a failed pass. */
  readonly onStandDown?: (session: SqlExecutor) => Promise<void>;
}

/**
 * A background loop — the outbox relay, mailing's dispatcher and campaigns, billing's period
 * closes — that runs in one process per database at a time: it holds a PostgreSQL session
 * advisory lock while it works, and the other replicas wait on standby. The lock lives as long as
 * the session, so when the leading process dies (even killed) the lock goes with it and the next
 * one takes over — no lease to wait out, and its work is picked up where it stopped.
 */
export class ExclusiveLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private holding = false;
  /** The pauses of the loop's passes: `wake()` cuts the wakeable ones short. */
  readonly sleeper = new Sleeper();

  constructor(
    private readonly db: SqlDatabase,
    private readonly options: ExclusiveLoopOptions,
  ) {}

  /** True while this process holds the loop's lock, so it is the one doing the work. */
  get leading(): boolean {
    return this.holding;
  }

  /**
   * Calls `pass` again and again while this process leads, with the session holding the lock (a
   * query on it fails once the lock is lost with its connection). A pass pauses by itself, on
   * `sleeper`.
   */
  start(pass: (session: SqlExecutor) => Promise<void>): void {
    this.running = true;
    this.loop = this.run(pass);
  }

  /** Cuts the current wakeable pause short (or the next one, when a pass is running). */
  wake(): void {
    this.sleeper.wake();
  }

  /** Ends the pass in progress, releases the lock and stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    await this.loop;
  }

  /**
   * Runs `work` once with the lock, outside the loop (for tools and tests); undefined, without
   * running it, when another session holds the lock.
   */
  async exclusively<T>(
    work: (session: SqlExecutor) => Promise<T>,
  ): Promise<{ readonly value: T } | undefined> {
    return this.db.session(async (session) => {
      if (!(await this.lead(session))) return undefined;
      try {
        return { value: await work(session) };
      } finally {
        await this.standDown(session);
      }
    });
  }

  private async run(pass: (session: SqlExecutor) => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await this.exclusively(async (session) => {
          while (this.running) {
            await pass(session);
            // A pass may wait on nothing but promises (PGlite answers through them alone, and
            // rendering a PDF is CPU work): without a turn of the event loop between passes,
            // a busy loop would starve timers and sockets — HTTP requests, Kafka heartbeats and
            // the relay's answers — for as long as it has work.
            await turn();
          }
        });
      } catch (error) {
        this.options.onError(error);
      }
      if (this.running) await this.sleeper.sleep(this.options.standbyMs ?? 1_000, { wakeable: true });
    }
  }

  private async lead(session: SqlExecutor): Promise<boolean> {
    const { rows } = await session.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [
      this.options.lockKey,
    ]);
    if (rows[0]?.ok !== true) return false;
    this.holding = true;
    try {
      await this.options.onLead?.(session);
    } catch (error) {
      await this.standDown(session);
      throw error;
    }
    return true;
  }

  private async standDown(session: SqlExecutor): Promise<void> {
    try {
      await this.options.onStandDown?.(session);
    } finally {
      this.holding = false;
      await session.query('SELECT pg_advisory_unlock($1)', [this.options.lockKey]);
    }
  }
}
