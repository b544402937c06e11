import type { CallCharged, InvoiceIssued, Money } from '@switchboard/contracts';
import type { BillingSummary } from './dto/billing-summary.dto.ts';

/** Billing's running totals of one period, as its newest charge event reports them. */
export interface PeriodFigures {
  /** Calendar month in UTC, YYYY-MM. */
  readonly period: string;
  readonly chargesToDate: Money;
  readonly callCount: number;
}

export interface InvoiceFacts {
  readonly invoiceId: string;
  readonly number: string;
  readonly period: string;
  readonly total: Money;
  /** Epoch milliseconds. */
  readonly issuedAt: number;
  readonly dueDate: string;
}

/** What crm knows of a customer's billing, merged from billing's events. */
export interface BillingSummaryState {
  readonly customerId: string;
  readonly currentPeriod: PeriodFigures | null;
  readonly lastInvoice: InvoiceFacts | null;
  /** meta.occurredAt of the newest event taken in, epoch milliseconds. */
  readonly updatedAt: number;
}

/*
 * Events arrive at least once and, across retries, out of order. Each merge below keeps the newer
 * of two facts, so applying events in any order, any number of times, ends in the same summary:
 * it never goes backwards.
 */

/**
 * A charge's figures replace the current ones when they are newer: of a later period (the period
 * rolled over), or of the same period with more calls (billing's totals are cumulative).
 * YYYY-MM sorts chronologically as plain text.
 */
function newerFigures(current: PeriodFigures | null, candidate: PeriodFigures): boolean {
  if (current === null || candidate.period > current.period) return true;
  return candidate.period === current.period && candidate.callCount > current.callCount;
}

/** The state after taking in a call charge. */
export function withCharge(state: BillingSummaryState | undefined, event: CallCharged): BillingSummaryState {
  const figures: PeriodFigures = {
    period: event.period,
    chargesToDate: event.periodChargesToDate,
    callCount: event.periodCallCount,
  };
  const current = state?.currentPeriod ?? null;
  return {
    customerId: event.customerId,
    currentPeriod: newerFigures(current, figures) ? figures : current,
    lastInvoice: state?.lastInvoice ?? null,
    updatedAt: Math.max(state?.updatedAt ?? event.meta.occurredAt, event.meta.occurredAt),
  };
}

/**
 * The state after taking in an issued invoice: the one issued last stays. (Of two issued in the
 * same millisecond, the one taken in first stays.)
 */
export function withInvoice(
  state: BillingSummaryState | undefined,
  event: InvoiceIssued,
): BillingSummaryState {
  const current = state?.lastInvoice ?? null;
  const newer = current === null || event.issuedAt > current.issuedAt;
  return {
    customerId: event.customerId,
    currentPeriod: state?.currentPeriod ?? null,
    lastInvoice: newer
      ? {
          invoiceId: event.invoiceId,
          number: event.invoiceNumber,
          period: event.period,
          total: event.total,
          issuedAt: event.issuedAt,
          dueDate: event.dueDate,
        }
      : current,
    updatedAt: Math.max(state?.updatedAt ?? event.meta.occurredAt, event.meta.occurredAt),
  };
}

/** The summary as `GET /v1/customers/{id}` shows it. */
export function toBillingSummary(state: BillingSummaryState): BillingSummary {
  const { currentPeriod, lastInvoice } = state;
  return {
    currentPeriod:
      currentPeriod === null
        ? null
        : {
            period: currentPeriod.period,
            chargesToDate: currentPeriod.chargesToDate,
            callCount: currentPeriod.callCount,
            // Billing issues a period's invoice when it closes the period: its figures are final.
            invoiced: lastInvoice?.period === currentPeriod.period,
          },
    lastInvoice:
      lastInvoice === null
        ? null
        : {
            invoiceId: lastInvoice.invoiceId,
            number: lastInvoice.number,
            period: lastInvoice.period,
            total: lastInvoice.total,
            issuedAt: new Date(lastInvoice.issuedAt).toISOString(),
            dueDate: lastInvoice.dueDate,
          },
    updatedAt: new Date(state.updatedAt).toISOString(),
  };
}
