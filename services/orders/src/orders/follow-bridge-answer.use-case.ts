import { Injectable } from '@nestjs/common';
import { type Context, context } from '@opentelemetry/api';
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
    await this.reservedAll(tx, [{ event, trace: context.active() }]);
  }

  /**
   * Reservations (a partition's batch, each in its record's trace): the orders still pending are
   * confirmed, in two statements for the batch. A second reservation of one order changes nothing.
   */
  async reservedAll(
    tx: SqlExecutor,
    items: readonly { readonly event: BridgeReserved; readonly trace: Context }[],
  ): Promise<void> {
    const first = new Map<string, (typeof items)[number]>();
    for (const item of items) {
      const id = item.event.orderId.toLowerCase();
      if (!first.has(id)) first.set(id, item);
    }
    const confirmed = await this.orders.confirmPending(
      tx,
      [...first].map(([id, { event }]) => ({
        id,
        reservationId: event.reservationId,
        number: event.dialInNumber,
        accessCode: event.accessCode,
      })),
    );
    await this.outbox.enqueueMany(
      tx,
      [...first]
        .filter(([id]) => confirmed.has(id))
        .map(([, { event, trace }]) => ({
          topic: 'orders.order-confirmed.v1' as const,
          key: event.orderId,
          event: {
            meta: metaFollowing('orders', event.meta),
            orderId: event.orderId,
            customerId: event.customerId,
            reservationId: event.reservationId,
            dialInNumber: event.dialInNumber,
            accessCode: event.accessCode,
            startsAt: event.startsAt,
          },
          trace,
        })),
    );
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
