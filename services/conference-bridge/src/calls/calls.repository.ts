import { Injectable } from '@nestjs/common';
import type { SqlExecutor } from '@switchboard/database';
import type { CallEvent } from './call-events.ts';

@Injectable()
export class CallsRepository {
  /** Creates the call if new and locks it; its status. */
  async open(tx: SqlExecutor, callId: string): Promise<'OPEN' | 'COMPLETED'> {
    await tx.query(
      `INSERT INTO calls (call_id, status) VALUES ($1, 'OPEN') ON CONFLICT (call_id) DO NOTHING`,
      [callId],
    );
    const { rows } = await tx.query<{ status: 'OPEN' | 'COMPLETED' }>(
      'SELECT status FROM calls WHERE call_id = $1 FOR UPDATE',
      [callId],
    );
    return rows[0]?.status ?? 'OPEN';
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
