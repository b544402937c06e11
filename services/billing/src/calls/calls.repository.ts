import { Inject, Injectable } from '@nestjs/common';
import type { EventMeta, EventOf } from '@switchboard/contracts';
import { cursorPart, decodeCursor, type Page, type PageQuery, pageOf } from '@switchboard/domain';
import { lockKeys, type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { CallToRate } from '../rating/rating.ts';

/** A completed call as billing keeps it until (and after) it is rated. */
export interface StoredCall extends CallToRate {
  readonly customerId: string;
  readonly orderId: string | null;
  readonly status: 'UNRATED' | 'RATED';
  readonly eventMeta: EventMeta;
  readonly traceContext: Record<string, string>;
  readonly receivedAt: Date;
  /** Why rating it failed with the rates in effect at its start; null while it only waits for rates. */
  readonly holdReason: string | null;
  readonly heldAt: Date | null;
}

interface CallRow {
  call_id: string;
  seq: string | number;
  customer_id: string;
  order_id: string | null;
  started_at: Date | string;
  ended_at: Date | string;
  participants: CallToRate['participants'];
  recording_seconds: string | number;
  status: 'UNRATED' | 'RATED';
  event_meta: EventMeta;
  trace_context: Record<string, string>;
  received_at: Date | string;
  hold_reason: string | null;
  held_at: Date | string | null;
}

function toCall(row: CallRow): StoredCall {
  return {
    callId: row.call_id,
    customerId: row.customer_id,
    orderId: row.order_id,
    startedAt: new Date(row.started_at).getTime(),
    endedAt: new Date(row.ended_at).getTime(),
    participants: row.participants,
    recordingSeconds: Number(row.recording_seconds),
    status: row.status,
    eventMeta: row.event_meta,
    traceContext: row.trace_context,
    receivedAt: new Date(row.received_at),
    holdReason: row.hold_reason,
    heldAt: row.held_at === null ? null : new Date(row.held_at),
  };
}

/** Advisory lock class of billing's per-customer locks (any constant unique to this use). */
const CUSTOMER_LOCK = 7_243_101;

const cursorShape = z.tuple([cursorPart.seq]);

@Injectable()
export class CallsRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /**
   * Serializes the handling of one customer's calls and rates until the transaction ends: without
   * it, a call and the rates it waits for, committed at the same moment, would each miss the other.
   */
  async lockCustomer(tx: SqlExecutor, customerId: string): Promise<void> {
    await lockKeys(tx, CUSTOMER_LOCK, [customerId]);
  }

  /** Locks several customers at once, in an order every transaction shares (see lockCustomer). */
  async lockCustomers(tx: SqlExecutor, customerIds: readonly string[]): Promise<void> {
    await lockKeys(tx, CUSTOMER_LOCK, customerIds);
  }

  /** Stores a completed call, UNRATED; undefined when the call is known already. */
  async insert(
    tx: SqlExecutor,
    event: EventOf<'conference.call-completed.v1'>,
    traceContext: Record<string, string>,
  ): Promise<StoredCall | undefined> {
    const { rows } = await tx.query<CallRow>(
      `INSERT INTO calls (call_id, customer_id, order_id, started_at, ended_at, participants,
         recording_seconds, status, event_meta, trace_context)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'UNRATED', $8, $9)
       ON CONFLICT (call_id) DO NOTHING RETURNING *`,
      [
        event.callId,
        event.customerId,
        event.orderId,
        new Date(event.startedAt),
        new Date(event.endedAt),
        JSON.stringify(
          event.participants.map((p) => ({
            participantId: p.participantId,
            tollFree: p.tollFree,
            joinedAt: p.joinedAt,
            leftAt: p.leftAt,
          })),
        ),
        event.recordingSeconds,
        JSON.stringify(event.meta),
        JSON.stringify(traceContext),
      ],
    );
    return rows[0] ? toCall(rows[0]) : undefined;
  }

  /** A customer's unrated calls, oldest first, locked for the rest of the transaction. */
  async unratedOf(tx: SqlExecutor, customerId: string): Promise<StoredCall[]> {
    const { rows } = await tx.query<CallRow>(
      `SELECT * FROM calls WHERE customer_id = $1 AND status = 'UNRATED' ORDER BY started_at, call_id FOR UPDATE`,
      [customerId],
    );
    return rows.map(toCall);
  }

  async markRated(tx: SqlExecutor, callId: string): Promise<void> {
    await tx.query(
      `UPDATE calls SET status = 'RATED', rated_at = now(), hold_reason = NULL, held_at = NULL
       WHERE call_id = $1`,
      [callId],
    );
  }

  /** Keeps a call that could not be rated UNRATED, with the reason (the first time held, its time). */
  async hold(tx: SqlExecutor, callId: string, reason: string): Promise<void> {
    await tx.query(
      `UPDATE calls SET hold_reason = $2, held_at = coalesce(held_at, now()) WHERE call_id = $1`,
      [callId, reason],
    );
  }

  /**
   * Calls for review, oldest first: those that could not be rated (at once), and those still
   * waiting for their rates `olderThanMinutes` after they arrived.
   */
  async listUnrated(olderThanMinutes: number, page: PageQuery): Promise<Page<StoredCall>> {
    const after = page.cursor === undefined ? 0 : decodeCursor(page.cursor, cursorShape)[0];
    const { rows } = await this.db.query<CallRow>(
      `SELECT * FROM calls
       WHERE status = 'UNRATED' AND seq > $1
         AND (hold_reason IS NOT NULL OR received_at <= now() - make_interval(mins => $2))
       ORDER BY seq LIMIT $3`,
      [after, olderThanMinutes, page.limit + 1],
    );
    return pageOf(rows, page.limit, toCall, (row) => [Number(row.seq)]);
  }
}
