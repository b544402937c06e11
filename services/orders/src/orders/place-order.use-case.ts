import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { requestHash } from '@switchboard/http';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase, type SqlExecutor } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import { KnownCustomersRepository } from '../views/known-customers.repository.ts';
import type { Order, PlaceOrder } from './dto/order.dto.ts';
import { IdempotencyKeyReusedError, OrderNotFoundError, UnknownCustomerError } from './orders.errors.ts';
import { OrdersRepository } from './orders.repository.ts';

/**
 * Places an order for a known customer and announces it with `orders.order-placed`, in one
 * transaction. The Idempotency-Key makes a retried request answer the order it created the first
 * time (in whatever state it is now) instead of booking a second conference.
 */
@Injectable()
export class PlaceOrderUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly orders: OrdersRepository,
    private readonly customers: KnownCustomersRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(idempotencyKey: string, input: PlaceOrder): Promise<{ order: Order; created: boolean }> {
    const hash = requestHash(input);
    return this.db
      .transaction(async (tx) => {
        const earlier = await this.orders.byIdempotencyKey(tx, idempotencyKey);
        if (earlier) return { order: await this.replay(tx, earlier, hash), created: false };
        if (!(await this.customers.isKnown(tx, input.customerId)))
          throw new UnknownCustomerError(input.customerId);
        const orderId = randomUUID();
        const order = await this.orders.insert(tx, orderId, input);
        if (!(await this.orders.claimIdempotencyKey(tx, idempotencyKey, hash, orderId))) {
          // A concurrent request with the same key won; this transaction rolls back its order.
          throw new ConcurrentRetry();
        }
        await this.outbox.enqueue(tx, 'orders.order-placed.v1', orderId, {
          // The order id names the booking's flow in every event that follows from it.
          meta: newMeta('orders', { correlationId: orderId }),
          orderId,
          customerId: input.customerId,
          title: input.title,
          startsAt: Date.parse(input.startsAt),
          durationMinutes: input.durationMinutes,
          expectedParticipants: input.expectedParticipants,
          recording: input.features.recording,
          tollFree: input.features.tollFree,
        });
        return { order, created: true };
      })
      .catch(async (error: unknown) => {
        if (!(error instanceof ConcurrentRetry)) throw error;
        const earlier = await this.orders.byIdempotencyKey(this.db, idempotencyKey);
        if (!earlier) throw error;
        return { order: await this.replay(this.db, earlier, hash), created: false };
      });
  }

  private async replay(
    tx: SqlExecutor,
    earlier: { orderId: string; requestHash: string },
    hash: string,
  ): Promise<Order> {
    if (earlier.requestHash !== hash) throw new IdempotencyKeyReusedError();
    // Inside the transaction: PGlite has one connection, so a query beside it would wait forever.
    const order = await this.orders.get(earlier.orderId, tx);
    if (!order) throw new OrderNotFoundError(earlier.orderId);
    return order;
  }
}

/** Another request with the same Idempotency-Key committed first. */
class ConcurrentRetry extends Error {}
