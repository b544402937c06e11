import { Inject, Injectable } from '@nestjs/common';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { type BillingSummaryState, toBillingSummary } from './billing-summary.ts';
import type { BillingSummary } from './dto/billing-summary.dto.ts';

interface SummaryRow {
  customer_id: string;
  period: string | null;
  charges_to_date_minor: string | null;
  charges_currency: string | null;
  call_count: number | null;
  last_invoice_id: string | null;
  last_invoice_number: string | null;
  last_invoice_period: string | null;
  last_invoice_total: string | null;
  last_invoice_currency: string | null;
  last_invoice_issued_at: Date | null;
  last_invoice_due_date: string | null;
  updated_at: Date;
}

function toState(row: SummaryRow): BillingSummaryState {
  const {
    period,
    charges_to_date_minor: chargesMinor,
    charges_currency: chargesCurrency,
    call_count: callCount,
  } = row;
  const {
    last_invoice_id: invoiceId,
    last_invoice_number: number,
    last_invoice_period: invoicePeriod,
    last_invoice_total: totalMinor,
    last_invoice_currency: totalCurrency,
    last_invoice_issued_at: issuedAt,
    last_invoice_due_date: dueDate,
  } = row;
  return {
    customerId: row.customer_id,
    currentPeriod:
      period !== null && chargesMinor !== null && chargesCurrency !== null && callCount !== null
        ? {
            period,
            chargesToDate: { amountMinor: Number(chargesMinor), currency: chargesCurrency },
            callCount,
          }
        : null,
    lastInvoice:
      invoiceId !== null &&
      number !== null &&
      invoicePeriod !== null &&
      totalMinor !== null &&
      totalCurrency !== null &&
      issuedAt !== null &&
      dueDate !== null
        ? {
            invoiceId,
            number,
            period: invoicePeriod,
            total: { amountMinor: Number(totalMinor), currency: totalCurrency },
            issuedAt: new Date(issuedAt).getTime(),
            dueDate,
          }
        : null,
    updatedAt: new Date(row.updated_at).getTime(),
  };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** crm's read model of billing: one summary per customer (see billing-summary.ts for the merge). */
@Injectable()
export class BillingSummaryRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /**
   * The customer's summary, its row locked for the rest of the transaction so that concurrent
   * events of one customer (say, one from the retry topic) merge one after the other. A customer
   * without one gets an empty row first, to have a row to lock; the caller saves over it.
   */
  async lock(tx: SqlExecutor, customerId: string, occurredAt: number): Promise<BillingSummaryState> {
    await tx.query(
      `INSERT INTO billing_summaries (customer_id, updated_at) VALUES ($1, $2)
       ON CONFLICT (customer_id) DO NOTHING`,
      [customerId, iso(occurredAt)],
    );
    const { rows } = await tx.query<SummaryRow>(
      'SELECT * FROM billing_summaries WHERE customer_id = $1 FOR UPDATE',
      [customerId],
    );
    return toState(rows[0] as SummaryRow);
  }

  async save(tx: SqlExecutor, state: BillingSummaryState): Promise<void> {
    const { currentPeriod: figures, lastInvoice: invoice } = state;
    await tx.query(
      `UPDATE billing_summaries SET period = $2, charges_to_date_minor = $3, charges_currency = $4,
         call_count = $5, last_invoice_id = $6, last_invoice_number = $7, last_invoice_period = $8,
         last_invoice_total = $9, last_invoice_currency = $10, last_invoice_issued_at = $11,
         last_invoice_due_date = $12, updated_at = $13
       WHERE customer_id = $1`,
      [
        state.customerId,
        figures?.period ?? null,
        figures?.chargesToDate.amountMinor ?? null,
        figures?.chargesToDate.currency ?? null,
        figures?.callCount ?? null,
        invoice?.invoiceId ?? null,
        invoice?.number ?? null,
        invoice?.period ?? null,
        invoice?.total.amountMinor ?? null,
        invoice?.total.currency ?? null,
        invoice ? iso(invoice.issuedAt) : null,
        invoice?.dueDate ?? null,
        iso(state.updatedAt),
      ],
    );
  }

  /** The summary `GET /v1/customers/{id}` shows; null before billing's first event. */
  async find(customerId: string): Promise<BillingSummary | null> {
    const { rows } = await this.db.query<SummaryRow>(
      'SELECT * FROM billing_summaries WHERE customer_id = $1',
      [customerId],
    );
    return rows[0] ? toBillingSummary(toState(rows[0])) : null;
  }
}
