import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { CustomersRepository } from '../customers/customers.repository.ts';

const TOPIC = 'crm.customer-updated.v1';

@Injectable()
export class CustomerUpdatedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly customers: CustomersRepository,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.customers.remember(tx, event));
  }
}
