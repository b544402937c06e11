import { isoInstant, pageQuerySchema } from '@switchboard/http';
import { z } from 'zod';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'REJECTED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const placeOrderSchema = z.strictObject({
  customerId: z.uuid('must be a UUID'),
  title: z.string().trim().min(1).max(200),
  startsAt: isoInstant().refine((value) => Date.parse(value) > Date.now(), 'must be in the future'),
  durationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  expectedParticipants: z.number().int().min(2).max(10_000),
  features: z
    .strictObject({
      recording: z.boolean().default(false),
      tollFree: z.boolean().default(false),
    })
    .default({ recording: false, tollFree: false }),
});
export type PlaceOrder = z.output<typeof placeOrderSchema>;

export const cancelOrderSchema = z
  .strictObject({ reason: z.string().trim().min(1).max(500).optional() })
  .default({});
export type CancelOrder = z.output<typeof cancelOrderSchema>;

export const listOrdersQuerySchema = pageQuerySchema.extend({
  customerId: z.uuid('must be a UUID').optional(),
  status: z.enum(ORDER_STATUSES).optional(),
});
export type ListOrdersQuery = z.output<typeof listOrdersQuerySchema>;

export const orderSchema = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  title: z.string(),
  startsAt: z.iso.datetime(),
  durationMinutes: z.number().int(),
  expectedParticipants: z.number().int(),
  features: z.object({ recording: z.boolean(), tollFree: z.boolean() }),
  status: z.enum(ORDER_STATUSES),
  /** Once CONFIRMED: where and how to dial in. */
  dialIn: z
    .object({
      reservationId: z.uuid(),
      number: z.string(),
      /** A secret: only for callers with orders.access-codes:read. */
      accessCode: z.string().optional(),
    })
    .nullable(),
  /** Once REJECTED: why. */
  rejection: z.object({ reason: z.string(), detail: z.string() }).nullable(),
  cancellationReason: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Order = z.output<typeof orderSchema>;

export const orderPageSchema = z.object({ items: z.array(orderSchema), nextCursor: z.string().nullable() });
