import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { ApplyContactUseCase } from '../contacts/apply-contact.use-case.ts';

const TOPIC = 'crm.customer-updated.v1';

/** A changed customer: mailing keeps its contact current (and may send what waited for it). */
@Injectable()
export class CustomerUpdatedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly applyContact: ApplyContactUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.applyContact.execute(tx, event));
  }
}
