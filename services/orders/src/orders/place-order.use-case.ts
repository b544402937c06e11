import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type IdempotentOutcome, runIdempotentCommand } from '@switchboard/http';
import { Outbox } from '@switchboard/messaging';
import { type SqlDatabase } from '@switchboard/database';
import { DATABASE, newMeta } from '@switchboard/service';
import type { Order, PlaceOrder } from './dto/order.dto.ts';
import { OrderNotFoundError, UnknownCustomerError } from './orders.errors.ts';
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
    private readonly outbox: Outbox,
  ) {}

  /** `actor`: the client id of the caller, carried on the event. */
  execute(
    idempotencyKey: string,
    input: PlaceOrder,
    actor: string | null,
  ): Promise<IdempotentOutcome<Order>> {
    const orderId = randomUUID();
    return runIdempotentCommand(this.db, {
      command: 'orders.place-order',
      creates: 'order',
      key: idempotencyKey,
      request: input,
      resourceId: orderId,
      run: async (tx) => {
        const order = await this.orders.insertForKnownCustomer(tx, orderId, input);
        if (!order) throw new UnknownCustomerError(input.customerId);
        await this.outbox.enqueue(tx, 'orders.order-placed.v1', orderId, {
          // The order id names the booking's flow in every event that follows from it.
          meta: newMeta('orders', { correlationId: orderId, actor }),
          orderId,
          customerId: input.customerId,
          title: input.title,
          startsAt: Date.parse(input.startsAt),
          durationMinutes: input.durationMinutes,
          expectedParticipants: input.expectedParticipants,
          recording: input.features.recording,
          tollFree: input.features.tollFree,
        });
        return { result: order, resourceId: orderId };
      },
      replay: async (tx, orderId) => {
        const order = await this.orders.get(orderId, tx);
        if (!order) throw new OrderNotFoundError(orderId);
        return order;
      },
    });
  }
}
