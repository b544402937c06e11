import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, type HandlerContext, Inbox } from '@switchboard/messaging';
import { QueueMailUseCase } from '../mail/queue-mail.use-case.ts';

const TOPIC = 'conference.bridge-reserved.v1';

/** A reserved bridge: the customer gets the dial-in details by email. */
@Injectable()
export class BridgeReservedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly queue: QueueMailUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>, context: HandlerContext): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) =>
      this.queue.bookingConfirmation(tx, event, context.trace),
    );
  }
}
