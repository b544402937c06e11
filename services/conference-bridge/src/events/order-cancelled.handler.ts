import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { ReservationsRepository } from '../reservations/reservations.repository.ts';

const TOPIC = 'orders.order-cancelled.v1';

/** Frees the cancelled order's ports and access code. */
@Injectable()
export class OrderCancelledHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly reservations: ReservationsRepository,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, async (tx) => {
      // Taken so a placement being allocated concurrently sees the cancellation.
      await this.reservations.lockAllocation(tx);
      await this.reservations.releaseForOrder(tx, event.orderId);
    });
  }
}
