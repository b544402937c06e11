import { isoInstant, pageQuerySchema } from '@switchboard/http';
import { z } from 'zod';

export const reservationSchema = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  customerId: z.uuid(),
  bridgeId: z.string(),
  startsAt: z.iso.datetime(),
  endsAt: z.iso.datetime(),
  ports: z.number().int(),
  /** A secret: only for callers with bridge.access-codes:read. */
  accessCode: z.string().optional(),
  status: z.enum(['ACTIVE', 'RELEASED']),
});
export type Reservation = z.output<typeof reservationSchema>;

export const listReservationsQuerySchema = pageQuerySchema.extend({
  from: isoInstant(),
  to: isoInstant(),
});
export type ListReservationsQuery = z.output<typeof listReservationsQuerySchema>;

export const reservationPageSchema = z.object({
  items: z.array(reservationSchema),
  nextCursor: z.string().nullable(),
});

export const bridgeSchema = z.object({
  id: z.string(),
  name: z.string(),
  dialInNumber: z.string(),
  ports: z.number().int(),
  /** Ports reserved by conferences running now. */
  portsInUseNow: z.number().int(),
  /** Active reservations ending in the future. */
  upcomingReservations: z.number().int(),
});
export type BridgeView = z.output<typeof bridgeSchema>;
