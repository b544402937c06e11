import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, type HandlerContext, Inbox } from '@switchboard/messaging';
import { QueueMailUseCase } from '../mail/queue-mail.use-case.ts';

const TOPIC = 'billing.invoice-issued.v1';

/** An issued invoice: the customer gets it by email, the PDF attached. */
@Injectable()
export class InvoiceIssuedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly queue: QueueMailUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>, context: HandlerContext): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) =>
      this.queue.invoice(tx, event, context.trace),
    );
  }
}
