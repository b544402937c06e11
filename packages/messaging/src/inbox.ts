import type { SqlDatabase, SqlExecutor } from '@switchboard/database';

/**
 * Makes a consumer's handling idempotent: the event id is recorded in the same transaction as the
 * state change, so a redelivered event (after a crash before the offset commit, or a republished
 * outbox row) finds its id and changes nothing. The consumer runs every handler through it.
 */
export class Inbox {
  constructor(
    private readonly db: SqlDatabase,
    /** The consuming service; each consumer keeps its own record of what it handled. */
    private readonly consumer: string,
  ) {}

  /**
   * Runs `work` and records the event as handled, in one transaction. Returns false, without
   * running `work`, when the event was handled before.
   */
  async handleOnce(
    eventId: string,
    topic: string,
    work: (tx: SqlExecutor) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        `INSERT INTO messaging_inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
        [this.consumer, eventId, topic],
      );
      if (rows.length === 0) return false;
      await work(tx);
      return true;
    });
  }

  /**
   * The batch form: records the event id (`idOf`) of every item and runs `work` with the items not
   * handled before, all in one transaction. Returns those items.
   */
  async handleBatchOnce<T>(
    items: readonly T[],
    topic: string,
    idOf: (item: T) => string,
    work: (tx: SqlExecutor, fresh: readonly T[]) => Promise<void>,
  ): Promise<T[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ event_id: string }>(
        `INSERT INTO messaging_inbox (consumer, event_id, topic)
         SELECT $1, id, $3 FROM unnest($2::uuid[]) AS id
         ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id`,
        [this.consumer, items.map(idOf), topic],
      );
      const fresh = new Set(rows.map((r) => r.event_id));
      const todo = items.filter((item) => fresh.delete(idOf(item)));
      if (todo.length > 0) await work(tx, todo);
      return todo;
    });
  }
}
