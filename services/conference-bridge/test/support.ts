import { randomUUID } from 'node:crypto';
import { testMeta, type TestTopics } from '@switchboard/testing';

/** Books conferences through the bridge's topics and reads its answers, for one customer. */
export function bookingKit(topics: TestTopics, customerId: string) {
  const placeOrder = async (startsAt: number, participants: number, durationMinutes = 60) => {
    const orderId = randomUUID();
    await topics.publish('orders.order-placed.v1', {
      meta: testMeta('orders', orderId),
      orderId,
      customerId,
      title: 'Review',
      startsAt,
      durationMinutes,
      expectedParticipants: participants,
      recording: false,
      tollFree: true,
    });
    return orderId;
  };
  /** The bridge's answer to an order: whichever of its two topics carries it. */
  const answerFor = async (orderId: string) =>
    Promise.any([
      topics
        .read('conference.bridge-reserved.v1', (es) => es.some((e) => e.orderId === orderId))
        .then((es) => ({ reserved: es.find((e) => e.orderId === orderId), rejected: undefined })),
      topics
        .read('conference.bridge-rejected.v1', (es) => es.some((e) => e.orderId === orderId))
        .then((es) => ({ reserved: undefined, rejected: es.find((e) => e.orderId === orderId) })),
    ]);
  return { placeOrder, answerFor };
}

export type BookingKit = ReturnType<typeof bookingKit>;
