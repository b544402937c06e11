import { Inject, Injectable } from '@nestjs/common';
import { cursorPart, decodeCursor, type Page, pageOf } from '@switchboard/domain';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { ListOrdersQuery, Order, OrderStatus, PlaceOrder } from './dto/order.dto.ts';

interface OrderRow {
  id: string;
  seq: string;
  customer_id: string;
  title: string;
  starts_at: Date;
  duration_minutes: number;
  expected_participants: number;
  recording: boolean;
  toll_free: boolean;
  status: OrderStatus;
  reservation_id: string | null;
  dial_in_number: string | null;
  access_code: string | null;
  rejection_reason: string | null;
  rejection_detail: string | null;
  cancellation_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    customerId: row.customer_id,
    title: row.title,
    startsAt: new Date(row.starts_at).toISOString(),
    durationMinutes: row.duration_minutes,
    expectedParticipants: row.expected_participants,
    features: { recording: row.recording, tollFree: row.toll_free },
    status: row.status,
    dialIn:
      row.status === 'CONFIRMED' && row.reservation_id && row.dial_in_number && row.access_code
        ? { reservationId: row.reservation_id, number: row.dial_in_number, accessCode: row.access_code }
        : null,
    rejection:
      row.status === 'REJECTED'
        ? { reason: row.rejection_reason ?? 'OTHER', detail: row.rejection_detail ?? '' }
        : null,
    cancellationReason: row.cancellation_reason,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

const cursorShape = z.tuple([cursorPart.seq]);

@Injectable()
export class OrdersRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /** A new PENDING order, when its customer is one orders knows of (crm's events); undefined otherwise. */
  async insertForKnownCustomer(tx: SqlExecutor, id: string, order: PlaceOrder): Promise<Order | undefined> {
    const { rows } = await tx.query<OrderRow>(
      `INSERT INTO orders (id, customer_id, title, starts_at, duration_minutes, expected_participants,
         recording, toll_free, status)
       SELECT $1::uuid, $2::uuid, $3::text, $4::timestamptz, $5::integer, $6::integer, $7::boolean,
         $8::boolean, 'PENDING'
       WHERE EXISTS (SELECT 1 FROM known_customers WHERE customer_id = $2::uuid)
       RETURNING *`,
      [
        id,
        order.customerId,
        order.title,
        order.startsAt,
        order.durationMinutes,
        order.expectedParticipants,
        order.features.recording,
        order.features.tollFree,
      ],
    );
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  async get(id: string, tx: SqlExecutor = this.db): Promise<Order | undefined> {
    const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [id]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /** Locks the order's row for the rest of the transaction. */
  async getForUpdate(tx: SqlExecutor, id: string): Promise<Order | undefined> {
    const { rows } = await tx.query<OrderRow>('SELECT * FROM orders WHERE id = $1 FOR UPDATE', [id]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /**
   * Confirms the orders still PENDING, each with its bridge's dial-in details, in one statement:
   * the ids it confirmed (an order cancelled meanwhile keeps its state). Ids distinct.
   */
  async confirmPending(
    tx: SqlExecutor,
    orders: readonly { id: string; reservationId: string; number: string; accessCode: string }[],
  ): Promise<Set<string>> {
    if (orders.length === 0) return new Set();
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE orders SET status = 'CONFIRMED', reservation_id = c.reservation_id, dial_in_number = c.number,
         access_code = c.access_code, updated_at = now()
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS c(id, reservation_id, number, access_code)
       WHERE orders.id = c.id AND orders.status = 'PENDING'
       RETURNING orders.id`,
      [
        orders.map((o) => o.id),
        orders.map((o) => o.reservationId),
        orders.map((o) => o.number),
        orders.map((o) => o.accessCode),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  async reject(tx: SqlExecutor, id: string, reason: string, detail: string): Promise<void> {
    await tx.query(
      `UPDATE orders SET status = 'REJECTED', rejection_reason = $2, rejection_detail = $3, updated_at = now()
       WHERE id = $1`,
      [id, reason, detail],
    );
  }

  async cancel(tx: SqlExecutor, id: string, reason: string | null): Promise<Order> {
    const { rows } = await tx.query<OrderRow>(
      `UPDATE orders SET status = 'CANCELLED', cancellation_reason = $2, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, reason],
    );
    return toOrder(rows[0] as OrderRow);
  }

  async list(query: ListOrdersQuery): Promise<Page<Order>> {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, cursorShape)[0];
    const { rows } = await this.db.query<OrderRow>(
      `SELECT * FROM orders
       WHERE seq > $1 AND ($2::uuid IS NULL OR customer_id = $2) AND ($3::text IS NULL OR status = $3)
       ORDER BY seq LIMIT $4`,
      [after, query.customerId ?? null, query.status ?? null, query.limit + 1],
    );
    return pageOf(rows, query.limit, toOrder, (row) => [Number(row.seq)]);
  }
}
