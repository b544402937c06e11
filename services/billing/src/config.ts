import {
  DEFAULT_PORTS,
  parseEnv,
  type ServiceConfig,
  serviceConfigOf,
  serviceEnv,
} from '@switchboard/config';
import { z } from 'zod';

const schema = z.object({
  ...serviceEnv('billing', DEFAULT_PORTS.billing),
  /** A call still unrated this many minutes after it arrived is listed at GET /v1/calls/unrated. */
  UNRATED_AFTER_MINUTES: z.coerce.number().int().min(0).default(60),
  /** Days from issue to the payment due date. */
  INVOICE_DUE_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  /** Start of every invoice number, followed by the period and a gap-free sequence. */
  INVOICE_NUMBER_PREFIX: z
    .string()
    .regex(/^[A-Z0-9-]{1,12}$/, 'must be 1–12 upper-case letters, digits or dashes')
    .default('INV'),
  /** Close each calendar month's open invoices automatically this many hours after it ends (unset: only by request). */
  AUTO_CLOSE_AFTER_HOURS: z.coerce
    .number()
    .int()
    .min(0)
    .max(24 * 31)
    .optional(),
});

export interface BillingConfig extends ServiceConfig {
  readonly unratedAfterMinutes: number;
  readonly invoiceDueDays: number;
  readonly invoiceNumberPrefix: string;
  readonly autoCloseAfterHours: number | undefined;
}

/** Reads the service's configuration once at boot; fails naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): BillingConfig {
  const vars = parseEnv(schema, env);
  return {
    ...serviceConfigOf('billing', vars),
    unratedAfterMinutes: vars.UNRATED_AFTER_MINUTES,
    invoiceDueDays: vars.INVOICE_DUE_DAYS,
    invoiceNumberPrefix: vars.INVOICE_NUMBER_PREFIX,
    autoCloseAfterHours: vars.AUTO_CLOSE_AFTER_HOURS,
  };
}
