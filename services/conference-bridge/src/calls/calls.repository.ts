import { Inject, Injectable } from '@nestjs/common';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { cursorPart, decodeCursor, type Page, type PageQuery, pageOf } from '@switchboard/domain';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { CallEvent } from './call-events.ts';

/** A call the sweeper closed or abandoned, as listed for review. */
export interface CallReview {
  readonly callId: string;
  readonly outcome: 'CLOSED' | 'ABANDONED';
  readonly reason: string;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly closedAt: Date;
}

interface ReviewRow {
  seq: string | number;
  call_id: string;
  outcome: 'CLOSED' | 'ABANDONED';
  reason: string;
  started_at: Date | string | null;
  ended_at: Date | string | null;
  closed_at: Date | string;
}

const instant = (value: Date | string | null): number | null =>
  value === null ? null : new Date(value).getTime();

const cursorShape = z.tuple([cursorPart.seq]);

@Injectable()
export class CallsRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /**
   * Creates the call if new, locks it and notes that activity was reported; its status. An
   * abandoned call opens again (its review goes): more of it came after all.
   */
  async open(tx: SqlExecutor, callId: string): Promise<'OPEN' | 'COMPLETED'> {
    await tx.query(
      `INSERT INTO calls (call_id, status) VALUES ($1, 'OPEN') ON CONFLICT (call_id) DO NOTHING`,
      [callId],
    );
    const { rows } = await tx.query<{ status: 'OPEN' | 'COMPLETED' | 'ABANDONED' }>(
      'SELECT status FROM calls WHERE call_id = $1 FOR UPDATE',
      [callId],
    );
    const status = rows[0]?.status ?? 'OPEN';
    if (status === 'COMPLETED') return status;
    if (status === 'ABANDONED') await tx.query('DELETE FROM call_reviews WHERE call_id = $1', [callId]);
    await tx.query(`UPDATE calls SET status = 'OPEN', last_reported_at = now() WHERE call_id = $1`, [callId]);
    return 'OPEN';
  }

  /** Open calls of which nothing was reported for `quietMs`, quietest first. */
  async overdue(quietMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.db.query<{ call_id: string }>(
      `SELECT call_id FROM calls
       WHERE status = 'OPEN' AND last_reported_at <= now() - make_interval(secs => $1)
       ORDER BY last_reported_at LIMIT $2`,
      [quietMs / 1000, limit],
    );
    return rows.map((row) => row.call_id);
  }

  /** Locks an open call if it is still overdue; false when activity came or it completed since. */
  async lockOverdue(tx: SqlExecutor, callId: string, quietMs: number): Promise<boolean> {
    const { rows } = await tx.query(
      `SELECT 1 FROM calls
       WHERE call_id = $1 AND status = 'OPEN' AND last_reported_at <= now() - make_interval(secs => $2)
       FOR UPDATE`,
      [callId, quietMs / 1000],
    );
    return rows.length > 0;
  }

  async abandon(tx: SqlExecutor, callId: string): Promise<void> {
    await tx.query(`UPDATE calls SET status = 'ABANDONED' WHERE call_id = $1`, [callId]);
  }

  /** Lists a call the sweeper closed or abandoned for review. */
  async review(tx: SqlExecutor, review: Omit<CallReview, 'closedAt'>): Promise<void> {
    await tx.query(
      `INSERT INTO call_reviews (call_id, outcome, reason, started_at, ended_at) VALUES ($1, $2, $3, $4, $5)`,
      [
        review.callId,
        review.outcome,
        review.reason,
        review.startedAt === null ? null : new Date(review.startedAt),
        review.endedAt === null ? null : new Date(review.endedAt),
      ],
    );
  }

  /** Calls the sweeper closed or abandoned, in the order it did. */
  async reviews(page: PageQuery): Promise<Page<CallReview>> {
    const after = page.cursor === undefined ? 0 : decodeCursor(page.cursor, cursorShape)[0];
    const { rows } = await this.db.query<ReviewRow>(
      'SELECT * FROM call_reviews WHERE seq > $1 ORDER BY seq LIMIT $2',
      [after, page.limit + 1],
    );
    return pageOf(
      rows,
      page.limit,
      (row) => ({
        callId: row.call_id,
        outcome: row.outcome,
        reason: row.reason,
        startedAt: instant(row.started_at),
        endedAt: instant(row.ended_at),
        closedAt: new Date(row.closed_at),
      }),
      (row) => [Number(row.seq)],
    );
  }

  /** Stores the events not stored before (by event id); how many were new. */
  async addEvents(tx: SqlExecutor, callId: string, events: readonly CallEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const { rows } = await tx.query(
      `INSERT INTO call_events (call_id, event_id, at, body)
       SELECT $1, e.id, to_timestamp(e.at / 1000.0), e.body
       FROM unnest($2::text[], $3::float8[], $4::jsonb[]) AS e(id, at, body)
       ON CONFLICT (call_id, event_id) DO NOTHING RETURNING event_id`,
      [callId, events.map((e) => e.eventId), events.map((e) => e.at), events.map((e) => JSON.stringify(e))],
    );
    return rows.length;
  }

  async events(tx: SqlExecutor, callId: string): Promise<CallEvent[]> {
    const { rows } = await tx.query<{ body: CallEvent | string }>(
      'SELECT body FROM call_events WHERE call_id = $1',
      [callId],
    );
    return rows.map((r) => (typeof r.body === 'string' ? (JSON.parse(r.body) as CallEvent) : r.body));
  }

  async complete(tx: SqlExecutor, callId: string, reservationId: string): Promise<void> {
    await tx.query(
      `UPDATE calls SET status = 'COMPLETED', reservation_id = $2, completed_at = now() WHERE call_id = $1`,
      [callId, reservationId],
    );
  }
}
