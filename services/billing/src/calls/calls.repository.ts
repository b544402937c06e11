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

  /**
   * Stores completed calls, UNRATED, in one statement; answers those it stored, in the given
   * order (a call known already, published again under a new event id, is left out).
   */
  async insertMany(
    tx: SqlExecutor,
    calls: readonly {
      readonly event: EventOf<'conference.call-completed.v1'>;
      readonly traceContext: Record<string, string>;
    }[],
  ): Promise<StoredCall[]> {
    if (calls.length === 0) return [];
    const { rows } = await tx.query<CallRow>(
      `INSERT INTO calls (call_id, customer_id, order_id, started_at, ended_at, participants,
         recording_seconds, status, event_meta, trace_context)
       SELECT call_id, customer_id, order_id, started_at, ended_at, participants, recording_seconds,
         'UNRATED', event_meta, trace_context
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::timestamptz[], $5::timestamptz[],
         $6::jsonb[], $7::bigint[], $8::jsonb[], $9::jsonb[])
         AS c(call_id, customer_id, order_id, started_at, ended_at, participants, recording_seconds,
           event_meta, trace_context)
       ON CONFLICT (call_id) DO NOTHING RETURNING *`,
      [
        calls.map(({ event }) => event.callId),
        calls.map(({ event }) => event.customerId),
        calls.map(({ event }) => event.orderId),
        calls.map(({ event }) => new Date(event.startedAt)),
        calls.map(({ event }) => new Date(event.endedAt)),
        calls.map(({ event }) =>
          JSON.stringify(
            event.participants.map((p) => ({
              participantId: p.participantId,
              tollFree: p.tollFree,
              joinedAt: p.joinedAt,
              leftAt: p.leftAt,
            })),
          ),
        ),
        calls.map(({ event }) => event.recordingSeconds),
        calls.map(({ event }) => JSON.stringify(event.meta)),
        calls.map(({ traceContext }) => JSON.stringify(traceContext)),
      ],
    );
    const stored = new Map(rows.map((row) => [row.call_id, toCall(row)]));
    return calls.flatMap(({ event }) => {
      const call = stored.get(event.callId.toLowerCase());
      stored.delete(event.callId.toLowerCase());
      return call ? [call] : [];
    });
  }

  /** A customer's unrated calls, oldest first, locked for the rest of the transaction. */
  async unratedOf(tx: SqlExecutor, customerId: string): Promise<StoredCall[]> {
    const { rows } = await tx.query<CallRow>(
      `SELECT * FROM calls WHERE customer_id = $1 AND status = 'UNRATED' ORDER BY started_at, call_id FOR UPDATE`,
      [customerId],
    );
    return rows.map(toCall);
  }

  async markRated(tx: SqlExecutor, callIds: readonly string[]): Promise<void> {
    if (callIds.length === 0) return;
    await tx.query(
      `UPDATE calls SET status = 'RATED', rated_at = now(), hold_reason = NULL, held_at = NULL
       WHERE call_id = ANY($1::uuid[])`,
      [callIds],
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
