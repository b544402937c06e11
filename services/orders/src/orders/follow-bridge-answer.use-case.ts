import { Injectable } from '@nestjs/common';
import type { BridgeRejected, BridgeReserved, OrderRejectionReason } from '@switchboard/contracts';
import { Outbox } from '@switchboard/messaging';
import { type SqlExecutor } from '@switchboard/database';
import { metaFollowing } from '@switchboard/service';
import { OrdersRepository } from './orders.repository.ts';

const REASONS: Readonly<Record<BridgeRejected['reason'], OrderRejectionReason>> = {
  NO_CAPACITY: 'NO_CAPACITY',
  INVALID_SLOT: 'INVALID_SLOT',
  OTHER: 'OTHER',
};

/**
 * Follows the bridge's answer to a placed order: a reservation confirms it
 * (`orders.order-confirmed`), a rejection rejects it with the bridge's reason
 * (`orders.order-rejected`). An order no longer pending — cancelled meanwhile — keeps its state.
 */
@Injectable()
export class FollowBridgeAnswerUseCase {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly outbox: Outbox,
  ) {}

  async reserved(tx: SqlExecutor, event: BridgeReserved): Promise<void> {
    const order = await this.orders.getForUpdate(tx, event.orderId);
    if (order?.status !== 'PENDING') return;
    await this.orders.confirm(tx, event.orderId, {
      reservationId: event.reservationId,
      number: event.dialInNumber,
      accessCode: event.accessCode,
    });
    await this.outbox.enqueue(tx, 'orders.order-confirmed.v1', event.orderId, {
      meta: metaFollowing('orders', event.meta),
      orderId: event.orderId,
      customerId: event.customerId,
      reservationId: event.reservationId,
      dialInNumber: event.dialInNumber,
      accessCode: event.accessCode,
      startsAt: event.startsAt,
    });
  }

  async rejected(tx: SqlExecutor, event: BridgeRejected): Promise<void> {
    const order = await this.orders.getForUpdate(tx, event.orderId);
    if (order?.status !== 'PENDING') return;
    const reason = REASONS[event.reason];
    await this.orders.reject(tx, event.orderId, reason, event.detail);
    await this.outbox.enqueue(tx, 'orders.order-rejected.v1', event.orderId, {
      meta: metaFollowing('orders', event.meta),
      orderId: event.orderId,
      customerId: event.customerId,
      reason,
      detail: event.detail,
    });
  }
}
