import { eventHandler } from '@switchboard/messaging';
import { FollowBridgeAnswerUseCase } from '../orders/follow-bridge-answer.use-case.ts';
import { KnownCustomersRepository } from '../views/known-customers.repository.ts';

/** What orders consumes: each topic and what it does with an event of it. */
export const ORDERS_HANDLERS = [
  // Orders are taken for known customers only; an update proves the customer exists even if its
  // registration was compacted away.
  eventHandler('crm.customer-registered.v1', KnownCustomersRepository, (customers, tx, event) =>
    customers.remember(tx, event.customerId),
  ),
  eventHandler('crm.customer-updated.v1', KnownCustomersRepository, (customers, tx, event) =>
    customers.remember(tx, event.customerId),
  ),
  // The bridge's answer confirms the order (with dial-in details) or rejects it. A partition's
  // reservations confirm their orders together.
  eventHandler(
    'conference.bridge-reserved.v1',
    FollowBridgeAnswerUseCase,
    (follow, tx, event) => follow.reserved(tx, event),
    {
      batched: {
        handleAll: (follow, tx, items) =>
          follow.reservedAll(
            tx,
            items.map((item) => ({ event: item.event, trace: item.context.trace })),
          ),
      },
    },
  ),
  eventHandler('conference.bridge-rejected.v1', FollowBridgeAnswerUseCase, (follow, tx, event) =>
    follow.rejected(tx, event),
  ),
];
