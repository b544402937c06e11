import type { Outbox } from './outbox.ts';
import type { SqlDatabase } from '@switchboard/database';

/** An outbox row the broker refused for good, as the relay parked it. No payload: it may hold personal data. */
export interface OutboxDeadLetter {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly eventId: string;
  /** Size of the event's Avro body. */
  readonly bytes: number;
  /** When the event was written to the outbox (ISO 8601). */
  readonly enqueuedAt: string;
  readonly failedAt: string;
  /** The broker's reason (`MESSAGE_TOO_LARGE`, …) or the error's name. */
  readonly errorClass: string;
  readonly errorMessage: string;
  /** When it was put back into the outbox; null while parked. */
  readonly replayedAt: string | null;
}

interface DeadLetterRow {
  id: string | number;
  topic: string;
  key: string;
  event_id: string;
  bytes: number;
  enqueued_at: Date | string;
  failed_at: Date | string;
  error_class: string;
  error_message: string;
  replayed_at: Date | string | null;
}

const COLUMNS = `id, topic, key, event_id, octet_length(payload) AS bytes, enqueued_at, failed_at, error_class,
  error_message, replayed_at`;

const iso = (value: Date | string): string => new Date(value).toISOString();

function toDeadLetter(row: DeadLetterRow): OutboxDeadLetter {
  return {
    id: String(row.id),
    topic: row.topic,
    key: row.key,
    eventId: row.event_id,
    bytes: Number(row.bytes),
    enqueuedAt: iso(row.enqueued_at),
    failedAt: iso(row.failed_at),
    errorClass: row.error_class,
    errorMessage: row.error_message,
    replayedAt: row.replayed_at === null ? null : iso(row.replayed_at),
  };
}

/**
 * The outbox's dead letters: events of this service the broker refused for good. Listing shows
 * why; replay puts them back into the outbox, behind what is waiting there, once the cause is
 * fixed (a topic's `max.message.bytes` raised, say). A dead letter is replayed once.
 */
export class OutboxDeadLetters {
  constructor(
    private readonly db: SqlDatabase,
    private readonly outbox: Outbox,
  ) {}

  /** Dead letters in the order they were parked, after the one with id `after`. */
  async list(options: { readonly after?: string; readonly limit: number }): Promise<OutboxDeadLetter[]> {
    const { rows } = await this.db.query<DeadLetterRow>(
      `SELECT ${COLUMNS} FROM messaging_outbox_dead_letters WHERE id > $1 ORDER BY id LIMIT $2`,
      [options.after ?? '0', options.limit],
    );
    return rows.map(toDeadLetter);
  }

  /**
   * Puts the dead letters not replayed yet — all of them, or those of `ids` — back into the outbox
   * in the order they were parked, and marks them replayed, in one transaction. Returns them.
   */
  async replay(ids?: readonly string[]): Promise<OutboxDeadLetter[]> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<DeadLetterRow>(
        `WITH picked AS (
           UPDATE messaging_outbox_dead_letters SET replayed_at = now()
           WHERE replayed_at IS NULL AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
           RETURNING *
         ), requeued AS (
           INSERT INTO messaging_outbox (topic, key, event_id, payload, headers)
           SELECT topic, key, event_id, payload, headers FROM picked ORDER BY id
         )
         SELECT ${COLUMNS} FROM picked ORDER BY id`,
        [ids === undefined ? null : [...ids]],
      );
      if (rows.length > 0) await this.outbox.wakeRelayOnCommit(tx);
      return rows.map(toDeadLetter);
    });
  }
}
