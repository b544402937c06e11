import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { FollowBillingUseCase } from '../billing-summary/follow-billing.use-case.ts';

const TOPIC = 'billing.invoice-issued.v1';

@Injectable()
export class InvoiceIssuedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly follow: FollowBillingUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.follow.invoiced(tx, event));
  }
}
