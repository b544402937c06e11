import { Inject, Injectable } from '@nestjs/common';
import { cursorPart, decodeCursor, type Page, pageOf } from '@switchboard/domain';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { Booking } from '../bridges/capacity.ts';
import type { ListReservationsQuery, Reservation } from './dto/reservation.dto.ts';

interface ReservationRow {
  id: string;
  seq: string;
  order_id: string;
  customer_id: string;
  bridge_id: string;
  starts_at: Date;
  ends_at: Date;
  ports: number;
  access_code: string;
  correlation_id: string;
  status: Reservation['status'];
}

function toReservation(row: ReservationRow): Reservation {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    bridgeId: row.bridge_id,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    ports: row.ports,
    accessCode: row.access_code,
    status: row.status,
  };
}

// The start time as ISO 8601, so a forged cursor is refused before it reaches SQL.
const cursorShape = z.tuple([cursorPart.instant, cursorPart.seq]);

/** Advisory lock serializing capacity decisions, so two overlapping bookings never both fit. */
const ALLOCATION_LOCK = 7_243_003;

@Injectable()
export class ReservationsRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  async lockAllocation(tx: SqlExecutor): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [ALLOCATION_LOCK]);
  }

  /** Active bookings overlapping any of the slots (half-open, epoch milliseconds), by bridge. */
  async bookingsOverlapping(
    tx: SqlExecutor,
    slots: readonly { readonly startsAt: number; readonly endsAt: number }[],
  ): Promise<Map<string, Booking[]>> {
    const byBridge = new Map<string, Booking[]>();
    if (slots.length === 0) return byBridge;
    const { rows } = await tx.query<{ bridge_id: string; starts_at: Date; ends_at: Date; ports: number }>(
      // The batch's whole window first, so only bookings inside it are matched against each slot.
      `SELECT r.bridge_id, r.starts_at, r.ends_at, r.ports FROM reservations r
       WHERE r.status = 'ACTIVE' AND r.starts_at < $4 AND r.ends_at > $3 AND EXISTS (
         SELECT 1 FROM unnest($1::timestamptz[], $2::timestamptz[]) AS slot (starts_at, ends_at)
         WHERE r.starts_at < slot.ends_at AND r.ends_at > slot.starts_at)`,
      [
        slots.map((slot) => new Date(slot.startsAt)),
        slots.map((slot) => new Date(slot.endsAt)),
        new Date(Math.min(...slots.map((slot) => slot.startsAt))),
        new Date(Math.max(...slots.map((slot) => slot.endsAt))),
      ],
    );
    for (const row of rows) {
      const list = byBridge.get(row.bridge_id) ?? [];
      list.push({
        startsAt: new Date(row.starts_at).getTime(),
        endsAt: new Date(row.ends_at).getTime(),
        ports: row.ports,
      });
      byBridge.set(row.bridge_id, list);
    }
    return byBridge;
  }

  /** Which of the codes an active reservation holds. */
  async accessCodesTaken(tx: SqlExecutor, codes: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ access_code: string }>(
      "SELECT access_code FROM reservations WHERE access_code = ANY($1::text[]) AND status = 'ACTIVE'",
      [codes],
    );
    return new Set(rows.map((row) => row.access_code));
  }

  /** Which of the orders (lower-case ids) are answered already: reserved before, or cancelled. */
  async answeredOrders(tx: SqlExecutor, orderIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await tx.query<{ order_id: string }>(
      `SELECT order_id::text FROM reservations WHERE order_id = ANY($1::uuid[])
       UNION SELECT order_id::text FROM cancelled_orders WHERE order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    return new Set(rows.map((row) => row.order_id));
  }

  /** Active reservations, in one statement. */
  async insertMany(
    tx: SqlExecutor,
    reservations: readonly (Omit<Reservation, 'status' | 'startsAt' | 'endsAt'> & {
      startsAt: number;
      endsAt: number;
      correlationId: string;
    })[],
  ): Promise<void> {
    if (reservations.length === 0) return;
    const column = <V>(value: (r: (typeof reservations)[number]) => V) => reservations.map(value);
    await tx.query(
      `INSERT INTO reservations (id, order_id, customer_id, bridge_id, starts_at, ends_at, ports, access_code,
         correlation_id, status)
       SELECT *, 'ACTIVE' FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[],
         $6::timestamptz[], $7::integer[], $8::text[], $9::uuid[])`,
      [
        column((r) => r.id),
        column((r) => r.orderId),
        column((r) => r.customerId),
        column((r) => r.bridgeId),
        column((r) => new Date(r.startsAt)),
        column((r) => new Date(r.endsAt)),
        column((r) => r.ports),
        column((r) => r.accessCode),
        column((r) => r.correlationId),
      ],
    );
  }

  /** Releases the order's reservation, if it has one; remembers the cancellation either way. */
  async releaseForOrder(tx: SqlExecutor, orderId: string): Promise<void> {
    await tx.query(
      `UPDATE reservations SET status = 'RELEASED', released_at = now() WHERE order_id = $1 AND status = 'ACTIVE'`,
      [orderId],
    );
    await tx.query('INSERT INTO cancelled_orders (order_id) VALUES ($1) ON CONFLICT DO NOTHING', [orderId]);
  }

  /** The active reservation an access code leads to, with its flow's correlation id. */
  async byAccessCode(
    tx: SqlExecutor,
    accessCode: string,
  ): Promise<(Reservation & { correlationId: string }) | undefined> {
    return (await this.byAccessCodes(tx, [accessCode])).get(accessCode);
  }

  /** `byAccessCode` for several codes in one statement: by access code, those that lead to one. */
  async byAccessCodes(
    tx: SqlExecutor,
    accessCodes: readonly string[],
  ): Promise<Map<string, Reservation & { correlationId: string }>> {
    if (accessCodes.length === 0) return new Map();
    const { rows } = await tx.query<ReservationRow>(
      "SELECT * FROM reservations WHERE access_code = ANY($1::text[]) AND status = 'ACTIVE'",
      [[...new Set(accessCodes)]],
    );
    return new Map(
      rows.map((row) => [row.access_code, { ...toReservation(row), correlationId: row.correlation_id }]),
    );
  }

  async byId(tx: SqlExecutor, id: string): Promise<(Reservation & { correlationId: string }) | undefined> {
    const { rows } = await tx.query<ReservationRow>('SELECT * FROM reservations WHERE id = $1', [id]);
    const row = rows[0];
    return row ? { ...toReservation(row), correlationId: row.correlation_id } : undefined;
  }

  /** Reservations overlapping [from, to), by start time. */
  async list(query: ListReservationsQuery): Promise<Page<Reservation>> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, cursorShape);
    const { rows } = await this.db.query<ReservationRow>(
      `SELECT * FROM reservations
       WHERE starts_at < $2 AND ends_at > $1
         AND ($3::timestamptz IS NULL OR (starts_at, seq) > ($3::timestamptz, $4::bigint))
       ORDER BY starts_at, seq LIMIT $5`,
      [query.from, query.to, after?.[0] ?? null, after?.[1] ?? 0, query.limit + 1],
    );
    return pageOf(rows, query.limit, toReservation, (row) => [
      new Date(row.starts_at).toISOString(),
      Number(row.seq),
    ]);
  }

  /** Ports in use now and active reservations not yet over, on one bridge. */
  async usage(bridgeId: string, now: number): Promise<{ inUse: number; upcoming: number }> {
    const { rows } = await this.db.query<{ in_use: string | null; upcoming: string }>(
      `SELECT sum(ports) FILTER (WHERE starts_at <= $2 AND ends_at > $2) AS in_use, count(*) AS upcoming
       FROM reservations WHERE bridge_id = $1 AND status = 'ACTIVE' AND ends_at > $2`,
      [bridgeId, new Date(now)],
    );
    return { inUse: Number(rows[0]?.in_use ?? 0), upcoming: Number(rows[0]?.upcoming ?? 0) };
  }
}
