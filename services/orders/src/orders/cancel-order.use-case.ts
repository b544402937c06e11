import { Inject, Injectable } from '@nestjs/common';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import type { Order } from './dto/order.dto.ts';
import { OrderNotCancellableError, OrderNotFoundError } from './orders.errors.ts';
import { OrdersRepository } from './orders.repository.ts';

/**
 * Cancels a pending or confirmed order and announces it with `orders.order-cancelled`, so the
 * bridge frees the slot. Cancelling a cancelled order again changes nothing.
 */
@Injectable()
export class CancelOrderUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    private readonly orders: OrdersRepository,
    private readonly outbox: Outbox,
  ) {}

  /** `actor`: the client id of the caller, carried on the event. */
  async execute(orderId: string, reason: string | undefined, actor: string | null): Promise<Order> {
    return this.db.transaction(async (tx) => {
      const order = await this.orders.getForUpdate(tx, orderId);
      if (!order) throw new OrderNotFoundError(orderId);
      if (order.status === 'CANCELLED') return order;
      if (order.status === 'REJECTED') throw new OrderNotCancellableError(orderId, order.status);
      const cancelled = await this.orders.cancel(tx, orderId, reason ?? null);
      await this.outbox.enqueue(tx, 'orders.order-cancelled.v1', orderId, {
        meta: newMeta('orders', { correlationId: orderId, actor }),
        orderId,
        customerId: order.customerId,
        reason: reason ?? null,
      });
      return cancelled;
    });
  }
}
