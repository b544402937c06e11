import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { ReserveBridgeUseCase } from '../reservations/reserve-bridge.use-case.ts';

const TOPIC = 'orders.order-placed.v1';

@Injectable()
export class OrderPlacedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly reserve: ReserveBridgeUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.reserve.execute(tx, event));
  }
}
