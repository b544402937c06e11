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
    return (await this.openMany(tx, [callId])).get(callId) ?? 'OPEN';
  }

  /** Which of these calls are completed already (one statement). */
  async completedOf(tx: SqlExecutor, callIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ call_id: string }>(
      `SELECT call_id FROM calls WHERE call_id = ANY($1::text[]) AND status = 'COMPLETED'`,
      [callIds],
    );
    return new Set(rows.map((r) => r.call_id));
  }

  /** `open` for several calls, in four statements however many: each one's status, by call id. */
  async openMany(tx: SqlExecutor, callIds: readonly string[]): Promise<Map<string, 'OPEN' | 'COMPLETED'>> {
    if (callIds.length === 0) return new Map();
    await tx.query(
      `INSERT INTO calls (call_id, status) SELECT id, 'OPEN' FROM unnest($1::text[]) AS c(id)
       ON CONFLICT (call_id) DO NOTHING`,
      [callIds],
    );
    // Locked in one order, so concurrent imports of the same calls cannot deadlock.
    const { rows } = await tx.query<{ call_id: string; status: 'OPEN' | 'COMPLETED' | 'ABANDONED' }>(
      'SELECT call_id, status FROM calls WHERE call_id = ANY($1::text[]) ORDER BY call_id FOR UPDATE',
      [callIds],
    );
    const abandoned = rows.filter((r) => r.status === 'ABANDONED').map((r) => r.call_id);
    if (abandoned.length > 0)
      await tx.query('DELETE FROM call_reviews WHERE call_id = ANY($1::text[])', [abandoned]);
    const opening = rows.filter((r) => r.status !== 'COMPLETED').map((r) => r.call_id);
    if (opening.length > 0)
      await tx.query(
        `UPDATE calls SET status = 'OPEN', last_reported_at = now() WHERE call_id = ANY($1::text[])`,
        [opening],
      );
    return new Map(rows.map((r) => [r.call_id, r.status === 'COMPLETED' ? 'COMPLETED' : 'OPEN']));
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
    return (await this.addEventsMany(tx, [{ callId, events }])).get(callId) ?? 0;
  }

  /** `addEvents` for several calls in one statement: how many of each call's were new, by call id. */
  async addEventsMany(
    tx: SqlExecutor,
    calls: readonly { readonly callId: string; readonly events: readonly CallEvent[] }[],
  ): Promise<Map<string, number>> {
    const added = new Map(calls.map((c) => [c.callId, 0]));
    const events = calls.flatMap(({ callId, events }) => events.map((event) => ({ callId, event })));
    if (events.length === 0) return added;
    const { rows } = await tx.query<{ call_id: string }>(
      `INSERT INTO call_events (call_id, event_id, at, body)
       SELECT e.call_id, e.id, to_timestamp(e.at / 1000.0), e.body
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::jsonb[]) AS e(call_id, id, at, body)
       ON CONFLICT (call_id, event_id) DO NOTHING RETURNING call_id`,
      [
        events.map((e) => e.callId),
        events.map((e) => e.event.eventId),
        events.map((e) => e.event.at),
        events.map((e) => JSON.stringify(e.event)),
      ],
    );
    for (const row of rows) added.set(row.call_id, (added.get(row.call_id) ?? 0) + 1);
    return added;
  }

  async events(tx: SqlExecutor, callId: string): Promise<CallEvent[]> {
    return (await this.eventsOfMany(tx, [callId])).get(callId) ?? [];
  }

  /** Every stored event of several calls in one statement, by call id. */
  async eventsOfMany(tx: SqlExecutor, callIds: readonly string[]): Promise<Map<string, CallEvent[]>> {
    const events = new Map(callIds.map((id) => [id, [] as CallEvent[]]));
    const { rows } = await tx.query<{ call_id: string; body: CallEvent | string }>(
      'SELECT call_id, body FROM call_events WHERE call_id = ANY($1::text[])',
      [callIds],
    );
    for (const row of rows) {
      events
        .get(row.call_id)
        ?.push(typeof row.body === 'string' ? (JSON.parse(row.body) as CallEvent) : row.body);
    }
    return events;
  }

  /** Marks calls COMPLETED, each with the reservation it was held under, in one statement. */
  async complete(
    tx: SqlExecutor,
    calls: readonly { readonly callId: string; readonly reservationId: string }[],
  ): Promise<void> {
    if (calls.length === 0) return;
    await tx.query(
      `UPDATE calls SET status = 'COMPLETED', reservation_id = c.reservation_id, completed_at = now()
       FROM unnest($1::text[], $2::uuid[]) AS c(call_id, reservation_id) WHERE calls.call_id = c.call_id`,
      [calls.map((c) => c.callId), calls.map((c) => c.reservationId)],
    );
  }
}
