import type { ServiceDefinition } from '@switchboard/service';
import { OrdersModule } from './orders/orders.module.ts';
import { ORDERS_HANDLERS } from './events/handlers.ts';

/** orders takes conference bookings and follows them to the bridge's answer. */
export const orders: ServiceDefinition = {
  name: 'orders',
  title: 'Switchboard orders',
  description:
    'Conference bookings. An order is PENDING until the conference bridge reserves it (CONFIRMED, with dial-in details) or cannot (REJECTED, with the reason).',
  migrations: new URL('../migrations/', import.meta.url),
  publishes: [
    'orders.order-placed.v1',
    'orders.order-cancelled.v1',
    'orders.order-confirmed.v1',
    'orders.order-rejected.v1',
  ],
  handlers: ORDERS_HANDLERS,
  features: [OrdersModule],
  errorStatus: {
    ORDER_NOT_FOUND: 404,
    UNKNOWN_CUSTOMER: 422,
    ORDER_NOT_CANCELLABLE: 409,
  },
};
