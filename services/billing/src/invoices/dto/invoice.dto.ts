import { pageQuerySchema } from '@switchboard/http';
import { z } from 'zod';

export const INVOICE_STATUSES = ['OPEN', 'ISSUED'] as const;

export const periodSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a calendar month as YYYY-MM, e.g. 2026-11');

export const moneySchema = z.object({
  amountMinor: z.number().int().describe('amount in minor units of the currency (cents for EUR)'),
  currency: z.string().length(3),
});

export const chargeLineSchema = z.object({
  kind: z.enum(['PARTICIPANT_MINUTES', 'TOLL_FREE_SURCHARGE', 'RECORDING', 'MINIMUM_CHARGE_TOP_UP']),
  quantity: z.number().int(),
  unitPrice: moneySchema,
  amount: moneySchema,
});

export const chargedCallSchema = z.object({
  chargeId: z.uuid(),
  callId: z.uuid(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  ratesVersion: z.number().int(),
  lines: z.array(chargeLineSchema),
  total: moneySchema,
});

export const invoiceSummarySchema = z.object({
  id: z.uuid(),
  number: z.string().nullable().describe('set when ISSUED'),
  customerId: z.uuid(),
  period: z.string(),
  status: z.enum(INVOICE_STATUSES),
  total: moneySchema,
  callCount: z.number().int(),
  issuedAt: z.iso.datetime().nullable(),
  dueDate: z.iso.date().nullable(),
  createdAt: z.iso.datetime(),
});
export type InvoiceSummary = z.output<typeof invoiceSummarySchema>;

export const invoiceSchema = invoiceSummarySchema.extend({
  calls: z.array(chargedCallSchema).describe('one entry per charged call, with its lines'),
});
export type Invoice = z.output<typeof invoiceSchema>;
export type ChargedCall = z.output<typeof chargedCallSchema>;

export const invoicePageSchema = z.object({
  items: z.array(invoiceSummarySchema),
  nextCursor: z.string().nullable(),
});

export const listInvoicesQuerySchema = pageQuerySchema.extend({
  customerId: z.uuid('must be a UUID').optional(),
  period: periodSchema.optional(),
  status: z.enum(INVOICE_STATUSES).optional(),
  closeId: z.uuid('must be a UUID').optional().describe('only the invoices this period close issued'),
});
export type ListInvoicesQuery = z.output<typeof listInvoicesQuerySchema>;

export const closePeriodSchema = z
  .object({
    customerId: z
      .uuid('must be a UUID')
      .optional()
      .describe("close only this customer's invoices of the period; absent: every customer's"),
  })
  .default({});
export type ClosePeriod = z.output<typeof closePeriodSchema>;

export const periodCloseSchema = z.object({
  id: z.uuid(),
  period: z.string(),
  customerId: z.uuid().nullable().describe("the one customer closed; null: every customer's invoices"),
  status: z.enum(['RUNNING', 'COMPLETED']),
  invoicesIssued: z.number().int().describe('invoices issued by this close so far'),
  invoicesRemaining: z.number().int().describe('invoices it covers that are still open'),
  requestedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
});
export type PeriodClose = z.output<typeof periodCloseSchema>;
