import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { ChargeCallsUseCase } from '../calls/charge-calls.use-case.ts';

const TOPIC = 'crm.contract-rates-changed.v1';

@Injectable()
export class ContractRatesChangedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly charging: ChargeCallsUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.charging.ratesChanged(tx, event));
  }
}
