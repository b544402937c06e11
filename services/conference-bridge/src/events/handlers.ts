import { eventHandler } from '@switchboard/messaging';
import { ReservationsRepository } from '../reservations/reservations.repository.ts';
import { ReserveBridgeUseCase } from '../reservations/reserve-bridge.use-case.ts';

/** What conference-bridge consumes: each topic and what it does with an event of it. */
export const CONFERENCE_BRIDGE_HANDLERS = [
  // A placed order gets ports and an access code, or is rejected with the reason.
  // Placements are decided under one allocation lock anyway: a partition's batch of them is
  // answered together, in a handful of statements.
  eventHandler(
    'orders.order-placed.v1',
    ReserveBridgeUseCase,
    (reserve, tx, event) => reserve.execute(tx, event),
    {
      batched: {
        handleAll: (reserve, tx, items) =>
          reserve.executeAll(
            tx,
            items.map((item) => ({ event: item.event, trace: item.context.trace })),
          ),
      },
    },
  ),
  // Frees the cancelled order's ports and access code.
  eventHandler('orders.order-cancelled.v1', ReservationsRepository, async (reservations, tx, event) => {
    // Taken so a placement being allocated concurrently sees the cancellation.
    await reservations.lockAllocation(tx);
    await reservations.releaseForOrder(tx, event.orderId);
  }),
];
