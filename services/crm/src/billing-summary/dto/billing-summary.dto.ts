import { z } from 'zod';

/** An amount in minor units of an ISO 4217 currency (cents for EUR). */
export const moneySchema = z.object({
  amountMinor: z.number().int(),
  currency: z.string(),
});

/** Billing's running totals of the newest period it has charged the customer for. */
export const billingPeriodSchema = z.object({
  /** Calendar month in UTC, YYYY-MM. */
  period: z.string(),
  /** Sum of the period's charges so far. */
  chargesToDate: moneySchema,
  /** Calls charged in the period so far. */
  callCount: z.number().int(),
  /** True once billing issued this period's invoice: the period is closed, its figures final. */
  invoiced: z.boolean(),
});

/** The invoice billing issued last (by issue time). */
export const lastInvoiceSchema = z.object({
  invoiceId: z.uuid(),
  /** Human-readable invoice number. */
  number: z.string(),
  /** The period it bills, YYYY-MM. */
  period: z.string(),
  total: moneySchema,
  issuedAt: z.iso.datetime(),
  dueDate: z.iso.date(),
});

/**
 * A customer's billing figures, from billing's events. It never goes backwards, whatever order the
 * events arrive in; `updatedAt` says how fresh it is.
 */
export const billingSummarySchema = z.object({
  /** Null until billing has charged a call. */
  currentPeriod: billingPeriodSchema.nullable(),
  /** Null until billing has issued an invoice. */
  lastInvoice: lastInvoiceSchema.nullable(),
  /** When the newest billing event the summary reflects happened (its meta.occurredAt). */
  updatedAt: z.iso.datetime(),
});
export type BillingSummary = z.output<typeof billingSummarySchema>;
