import { Inject, Injectable } from '@nestjs/common';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import type { PeriodClose } from './dto/invoice.dto.ts';

/** A close still running, with what decides which invoices it issues. */
export interface RunningClose {
  readonly id: string;
  readonly period: string;
  readonly customerId: string | null;
  readonly lastInvoiceSeq: number;
  readonly traceContext: Record<string, string>;
}

interface CloseRow {
  id: string;
  period: string;
  customer_id: string | null;
  last_invoice_seq: string | number;
  status: 'RUNNING' | 'COMPLETED';
  invoices_issued: number;
  trace_context: Record<string, string>;
  requested_at: Date | string;
  completed_at: Date | string | null;
  remaining?: string | number;
}

const iso = (value: Date | string): string => new Date(value).toISOString();

/** The open invoices a close covers, for a query whose close row is `c`. */
const COVERED = `i.period = c.period AND i.status = 'OPEN' AND i.seq <= c.last_invoice_seq
  AND (c.customer_id IS NULL OR i.customer_id = c.customer_id)`;

/** Requests to close a period and how far each got. */
@Injectable()
export class PeriodClosesRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /** Records a close of the invoices of `period` (of one customer, when given) open now. */
  async create(close: {
    readonly id: string;
    readonly period: string;
    readonly customerId: string | null;
    readonly traceContext: Record<string, string>;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO period_closes (id, period, customer_id, last_invoice_seq, status, trace_context)
       SELECT $1, $2, $3, coalesce(max(seq), 0), 'RUNNING', $4 FROM invoices`,
      [close.id, close.period, close.customerId, JSON.stringify(close.traceContext)],
    );
  }

  /** A close as the API shows it, with the invoices it still has to issue. */
  async get(id: string): Promise<PeriodClose | undefined> {
    const { rows } = await this.db.query<CloseRow>(
      `SELECT c.*, (SELECT count(*) FROM invoices i WHERE ${COVERED}) AS remaining
       FROM period_closes c WHERE c.id = $1`,
      [id],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          period: row.period,
          customerId: row.customer_id,
          status: row.status,
          invoicesIssued: row.invoices_issued,
          invoicesRemaining: Number(row.remaining ?? 0),
          requestedAt: iso(row.requested_at),
          completedAt: row.completed_at === null ? null : iso(row.completed_at),
        }
      : undefined;
  }

  /** The oldest close still running, if any. */
  async oldestRunning(): Promise<RunningClose | undefined> {
    const { rows } = await this.db.query<CloseRow>(
      `SELECT * FROM period_closes WHERE status = 'RUNNING' ORDER BY seq LIMIT 1`,
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          period: row.period,
          customerId: row.customer_id,
          lastInvoiceSeq: Number(row.last_invoice_seq),
          traceContext: row.trace_context,
        }
      : undefined;
  }

  /** Whether a close of the whole period is running (the automatic close asks once). */
  async runningForWholePeriod(period: string): Promise<boolean> {
    const { rows } = await this.db.query(
      `SELECT 1 FROM period_closes WHERE status = 'RUNNING' AND period = $1 AND customer_id IS NULL`,
      [period],
    );
    return rows.length > 0;
  }

  /**
   * The next invoice a close has to issue, in the order they were opened, leaving out `skipped`
   * (those that failed this round); undefined when there is none.
   */
  async nextInvoice(close: RunningClose, skipped: readonly string[]): Promise<string | undefined> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT i.id FROM invoices i, period_closes c
       WHERE c.id = $1 AND ${COVERED} AND NOT (i.id = ANY($2::uuid[]))
       ORDER BY i.seq LIMIT 1`,
      [close.id, [...skipped]],
    );
    return rows[0]?.id;
  }

  /** Counts an invoice issued by a close, in the transaction that issues it. */
  async countIssued(tx: SqlExecutor, closeId: string): Promise<void> {
    await tx.query(`UPDATE period_closes SET invoices_issued = invoices_issued + 1 WHERE id = $1`, [closeId]);
  }

  /** Marks a close done; answers how many invoices it issued (undefined if it was done already). */
  async complete(closeId: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ invoices_issued: number }>(
      `UPDATE period_closes SET status = 'COMPLETED', completed_at = now()
       WHERE id = $1 AND status = 'RUNNING' RETURNING invoices_issued`,
      [closeId],
    );
    return rows[0]?.invoices_issued;
  }
}
