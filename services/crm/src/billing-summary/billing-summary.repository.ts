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
    const locked = await this.lockMany(tx, [{ customerId, occurredAt }]);
    return locked.get(customerId.toLowerCase()) as BillingSummaryState;
  }

  /**
   * `lock` for several customers in two statements, their rows locked in one order (so concurrent
   * batches cannot deadlock): by customer id as crm stores it (lower case).
   */
  async lockMany(
    tx: SqlExecutor,
    customers: readonly { readonly customerId: string; readonly occurredAt: number }[],
  ): Promise<Map<string, BillingSummaryState>> {
    await tx.query(
      `INSERT INTO billing_summaries (customer_id, updated_at)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
       ON CONFLICT (customer_id) DO NOTHING`,
      [customers.map((c) => c.customerId), customers.map((c) => iso(c.occurredAt))],
    );
    const { rows } = await tx.query<SummaryRow>(
      'SELECT * FROM billing_summaries WHERE customer_id = ANY($1::uuid[]) ORDER BY customer_id FOR UPDATE',
      [customers.map((c) => c.customerId)],
    );
    return new Map(rows.map((row) => [row.customer_id, toState(row)]));
  }

  async save(tx: SqlExecutor, state: BillingSummaryState): Promise<void> {
    await this.saveMany(tx, [state]);
  }

  /** Saves several customers' summaries in one statement. */
  async saveMany(tx: SqlExecutor, states: readonly BillingSummaryState[]): Promise<void> {
    if (states.length === 0) return;
    const column = <T>(value: (state: BillingSummaryState) => T): T[] => states.map(value);
    await tx.query(
      `UPDATE billing_summaries AS b SET period = s.period, charges_to_date_minor = s.charges,
         charges_currency = s.charges_currency, call_count = s.call_count, last_invoice_id = s.invoice_id,
         last_invoice_number = s.invoice_number, last_invoice_period = s.invoice_period,
         last_invoice_total = s.invoice_total, last_invoice_currency = s.invoice_currency,
         last_invoice_issued_at = s.issued_at, last_invoice_due_date = s.due_date, updated_at = s.updated_at
       FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::integer[], $6::uuid[], $7::text[],
         $8::text[], $9::bigint[], $10::text[], $11::timestamptz[], $12::text[], $13::timestamptz[])
         AS s(customer_id, period, charges, charges_currency, call_count, invoice_id, invoice_number,
           invoice_period, invoice_total, invoice_currency, issued_at, due_date, updated_at)
       WHERE b.customer_id = s.customer_id`,
      [
        column((s) => s.customerId),
        column((s) => s.currentPeriod?.period ?? null),
        column((s) => s.currentPeriod?.chargesToDate.amountMinor ?? null),
        column((s) => s.currentPeriod?.chargesToDate.currency ?? null),
        column((s) => s.currentPeriod?.callCount ?? null),
        column((s) => s.lastInvoice?.invoiceId ?? null),
        column((s) => s.lastInvoice?.number ?? null),
        column((s) => s.lastInvoice?.period ?? null),
        column((s) => s.lastInvoice?.total.amountMinor ?? null),
        column((s) => s.lastInvoice?.total.currency ?? null),
        column((s) => (s.lastInvoice ? iso(s.lastInvoice.issuedAt) : null)),
        column((s) => s.lastInvoice?.dueDate ?? null),
        column((s) => iso(s.updatedAt)),
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
