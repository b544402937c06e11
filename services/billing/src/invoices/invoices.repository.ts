import { Inject, Injectable } from '@nestjs/common';
import { cursorPart, decodeCursor, type Page, pageOf } from '@switchboard/domain';
import type { SqlDatabase, SqlExecutor } from '@switchboard/database';
import { DATABASE } from '@switchboard/service';
import { z } from 'zod';
import type { CallCharge } from '../rating/rating.ts';
import type { ChargedCall, InvoiceSummary, ListInvoicesQuery } from './dto/invoice.dto.ts';

interface InvoiceRow {
  id: string;
  seq: string | number;
  customer_id: string;
  period: string;
  currency: string;
  status: 'OPEN' | 'ISSUED';
  total_minor: string | number;
  call_count: number;
  number: string | null;
  issued_at: Date | string | null;
  due_date: Date | string | null;
  trace_context: Record<string, string>;
  created_at: Date | string;
}

const SUMMARY_COLUMNS = `id, seq, customer_id, period, currency, status, total_minor, call_count, number,
  issued_at, to_char(due_date, 'YYYY-MM-DD') AS due_date, trace_context, created_at`;

function toSummary(row: InvoiceRow): InvoiceSummary {
  return {
    id: row.id,
    number: row.number,
    customerId: row.customer_id,
    period: row.period,
    status: row.status,
    total: { amountMinor: Number(row.total_minor), currency: row.currency },
    callCount: row.call_count,
    issuedAt: row.issued_at === null ? null : new Date(row.issued_at).toISOString(),
    dueDate: row.due_date === null ? null : String(row.due_date),
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** An invoice locked for issuing, with what the event and the PDF need. */
export interface OpenInvoice {
  readonly id: string;
  readonly customerId: string;
  readonly period: string;
  readonly currency: string;
  readonly totalMinor: number;
  readonly traceContext: Record<string, string>;
}

const cursorShape = z.tuple([cursorPart.seq]);

/** Invoices, the charges on them and the invoice number counters. */
@Injectable()
export class InvoicesRepository {
  constructor(@Inject(DATABASE) private readonly db: SqlDatabase) {}

  /**
   * The customer's open invoice for the period and currency, created when there is none, locked
   * for the rest of the transaction. `traceContext` is kept when it is created.
   */
  async openFor(
    tx: SqlExecutor,
    customerId: string,
    period: string,
    currency: string,
    newId: string,
    traceContext: Record<string, string>,
  ): Promise<string> {
    await tx.query(
      `INSERT INTO invoices (id, customer_id, period, currency, status, trace_context)
       VALUES ($1, $2, $3, $4, 'OPEN', $5)
       ON CONFLICT (customer_id, period, currency) WHERE status = 'OPEN' DO NOTHING`,
      [newId, customerId, period, currency, JSON.stringify(traceContext)],
    );
    const { rows } = await tx.query<{ id: string }>(
      `SELECT id FROM invoices WHERE customer_id = $1 AND period = $2 AND currency = $3 AND status = 'OPEN'
       FOR UPDATE`,
      [customerId, period, currency],
    );
    const id = rows[0]?.id;
    // The open invoice was issued between the insert and the select: open the next one.
    return id ?? this.openFor(tx, customerId, period, currency, newId, traceContext);
  }

  /** Adds a call's charge to an invoice; answers the period's totals for the customer after it. */
  async addCharge(
    tx: SqlExecutor,
    charge: {
      readonly id: string;
      readonly callId: string;
      readonly invoiceId: string;
      readonly customerId: string;
      readonly period: string;
      readonly charge: CallCharge;
    },
  ): Promise<{ chargesToDate: number; callCount: number }> {
    const { total } = charge.charge;
    await tx.query(
      `INSERT INTO charges (id, call_id, invoice_id, customer_id, period, rates_version, currency, lines, total_minor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        charge.id,
        charge.callId,
        charge.invoiceId,
        charge.customerId,
        charge.period,
        charge.charge.ratesVersion,
        total.currency,
        JSON.stringify(charge.charge.lines),
        total.amountMinor,
      ],
    );
    // The period's totals from its invoices (each keeps its own), not by summing its charges: one
    // row or two per call, however many calls the customer made this month.
    const { rows } = await tx.query<{ total: string | number; count: string | number }>(
      `WITH added AS (
         UPDATE invoices SET total_minor = total_minor + $2, call_count = call_count + 1 WHERE id = $1
         RETURNING total_minor, call_count
       )
       SELECT added.total_minor + coalesce(others.total, 0) AS total, added.call_count + coalesce(others.count, 0) AS count
       FROM added, (
         SELECT sum(total_minor) AS total, sum(call_count) AS count FROM invoices
         WHERE customer_id = $3 AND period = $4 AND currency = $5 AND id <> $1
       ) AS others`,
      [charge.invoiceId, total.amountMinor, charge.customerId, charge.period, total.currency],
    );
    return { chargesToDate: Number(rows[0]?.total ?? 0), callCount: Number(rows[0]?.count ?? 0) };
  }

  /** Periods that still have open invoices, oldest first. */
  async periodsWithOpenInvoices(): Promise<string[]> {
    const { rows } = await this.db.query<{ period: string }>(
      `SELECT DISTINCT period FROM invoices WHERE status = 'OPEN' ORDER BY period`,
    );
    return rows.map((r) => r.period);
  }

  /** Locks an invoice if it is still open. */
  async lockOpen(tx: SqlExecutor, id: string): Promise<OpenInvoice | undefined> {
    const { rows } = await tx.query<InvoiceRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM invoices WHERE id = $1 AND status = 'OPEN' FOR UPDATE`,
      [id],
    );
    const row = rows[0];
    return row
      ? {
          id: row.id,
          customerId: row.customer_id,
          period: row.period,
          currency: row.currency,
          totalMinor: Number(row.total_minor),
          traceContext: row.trace_context,
        }
      : undefined;
  }

  /** The next invoice number's sequence for a prefix and year, in the caller's transaction. */
  async nextSequence(tx: SqlExecutor, prefix: string, year: number): Promise<number> {
    const { rows } = await tx.query<{ last: number }>(
      `INSERT INTO invoice_counters (prefix, year, last) VALUES ($1, $2, 1)
       ON CONFLICT (prefix, year) DO UPDATE SET last = invoice_counters.last + 1 RETURNING last`,
      [prefix, year],
    );
    return Number(rows[0]?.last);
  }

  async issue(
    tx: SqlExecutor,
    id: string,
    issued: {
      number: string;
      issuedAt: number;
      dueDate: string;
      pdf: Buffer;
      pdfSha256: string;
      closeId: string;
    },
  ): Promise<InvoiceSummary> {
    const { rows } = await tx.query<InvoiceRow>(
      `UPDATE invoices SET status = 'ISSUED', number = $2, issued_at = $3, due_date = $4, pdf = $5,
         pdf_sha256 = $6, close_id = $7
       WHERE id = $1 RETURNING ${SUMMARY_COLUMNS}`,
      [
        id,
        issued.number,
        new Date(issued.issuedAt),
        issued.dueDate,
        issued.pdf,
        issued.pdfSha256,
        issued.closeId,
      ],
    );
    return toSummary(rows[0] as InvoiceRow);
  }

  /** The calls charged on an invoice, in the order they started. */
  async chargedCalls(invoiceId: string, tx: SqlExecutor = this.db): Promise<ChargedCall[]> {
    const { rows } = await tx.query<{
      id: string;
      call_id: string;
      started_at: Date | string;
      ended_at: Date | string;
      rates_version: number;
      lines: ChargedCall['lines'];
      total_minor: string | number;
      currency: string;
    }>(
      `SELECT c.id, c.call_id, k.started_at, k.ended_at, c.rates_version, c.lines, c.total_minor, c.currency
       FROM charges c JOIN calls k ON k.call_id = c.call_id
       WHERE c.invoice_id = $1 ORDER BY k.started_at, c.call_id`,
      [invoiceId],
    );
    return rows.map((row) => ({
      chargeId: row.id,
      callId: row.call_id,
      startedAt: new Date(row.started_at).toISOString(),
      endedAt: new Date(row.ended_at).toISOString(),
      ratesVersion: row.rates_version,
      lines: row.lines,
      total: { amountMinor: Number(row.total_minor), currency: row.currency },
    }));
  }

  async get(id: string): Promise<InvoiceSummary | undefined> {
    const { rows } = await this.db.query<InvoiceRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM invoices WHERE id = $1`,
      [id],
    );
    return rows[0] ? toSummary(rows[0]) : undefined;
  }

  /** An issued invoice's PDF and its SHA-256 (hex); `pdf` is null while it is open. */
  async pdf(id: string): Promise<
    | {
        status: 'OPEN' | 'ISSUED';
        number: string | null;
        pdf: Buffer | null;
        sha256: string | null;
      }
    | undefined
  > {
    const { rows } = await this.db.query<{
      status: 'OPEN' | 'ISSUED';
      number: string | null;
      pdf: Buffer | Uint8Array | null;
      pdf_sha256: string | null;
    }>('SELECT status, number, pdf, pdf_sha256 FROM invoices WHERE id = $1', [id]);
    const row = rows[0];
    return row
      ? {
          status: row.status,
          number: row.number,
          pdf: row.pdf === null ? null : Buffer.from(row.pdf),
          sha256: row.pdf_sha256,
        }
      : undefined;
  }

  async list(query: ListInvoicesQuery): Promise<Page<InvoiceSummary>> {
    const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, cursorShape)[0];
    const { rows } = await this.db.query<InvoiceRow>(
      `SELECT ${SUMMARY_COLUMNS} FROM invoices
       WHERE seq > $1 AND ($2::uuid IS NULL OR customer_id = $2) AND ($3::text IS NULL OR period = $3)
         AND ($4::text IS NULL OR status = $4) AND ($5::uuid IS NULL OR close_id = $5)
       ORDER BY seq LIMIT $6`,
      [
        after,
        query.customerId ?? null,
        query.period ?? null,
        query.status ?? null,
        query.closeId ?? null,
        query.limit + 1,
      ],
    );
    return pageOf(rows, query.limit, toSummary, (row) => [Number(row.seq)]);
  }
}
