import { Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { type EventHandler, Inbox } from '@switchboard/messaging';
import { FollowBridgeAnswerUseCase } from '../orders/follow-bridge-answer.use-case.ts';

const TOPIC = 'conference.bridge-reserved.v1';

@Injectable()
export class BridgeReservedHandler implements EventHandler<typeof TOPIC> {
  readonly topic = TOPIC;
  constructor(
    private readonly inbox: Inbox,
    private readonly follow: FollowBridgeAnswerUseCase,
  ) {}

  async handle(event: EventOf<typeof TOPIC>): Promise<void> {
    await this.inbox.handleOnce(event.meta.eventId, TOPIC, (tx) => this.follow.reserved(tx, event));
  }
}
