import { randomUUID } from 'node:crypto';
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

/** What an open invoice is one of: a customer's charges of a period (a calendar month) in a currency. */
export interface InvoiceKey {
  readonly customerId: string;
  readonly period: string;
  readonly currency: string;
}

/** A key's text, for maps: customer ids as billing stores them (lower case). */
export const invoiceKey = (key: InvoiceKey): string =>
  `${key.customerId.toLowerCase()}|${key.period}|${key.currency}`;

/** A charge to add to its invoice. */
export interface NewCharge extends InvoiceKey {
  readonly id: string;
  readonly callId: string;
  readonly invoiceId: string;
  readonly charge: CallCharge;
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

  /**
   * The open invoice of each key (keys distinct), opened where there is none — with the trace
   * context given beside its key — and locked for the rest of the transaction, in two statements
   * however many keys: ids by `invoiceKey`.
   */
  async openInvoices(
    tx: SqlExecutor,
    keys: readonly (InvoiceKey & { readonly traceContext: Record<string, string> })[],
  ): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const columns = [keys.map((k) => k.customerId), keys.map((k) => k.period), keys.map((k) => k.currency)];
    await tx.query(
      `INSERT INTO invoices (id, customer_id, period, currency, status, trace_context)
       SELECT id, customer_id, period, currency, 'OPEN', trace_context
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[])
         AS k(id, customer_id, period, currency, trace_context)
       ON CONFLICT (customer_id, period, currency) WHERE status = 'OPEN' DO NOTHING`,
      [keys.map(() => randomUUID()), ...columns, keys.map((k) => JSON.stringify(k.traceContext))],
    );
    const { rows } = await tx.query<{ id: string; customer_id: string; period: string; currency: string }>(
      `SELECT i.id, i.customer_id, i.period, i.currency FROM invoices i
       JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(customer_id, period, currency)
         ON i.customer_id = k.customer_id AND i.period = k.period AND i.currency = k.currency
       WHERE i.status = 'OPEN' ORDER BY i.id FOR UPDATE OF i`,
      columns,
    );
    const open = new Map(
      rows.map((row) => [
        invoiceKey({ customerId: row.customer_id, period: row.period, currency: row.currency }),
        row.id,
      ]),
    );
    // An open invoice issued between the insert and the select: open the next one.
    for (const key of keys) {
      if (open.has(invoiceKey(key))) continue;
      open.set(
        invoiceKey(key),
        await this.openFor(tx, key.customerId, key.period, key.currency, randomUUID(), key.traceContext),
      );
    }
    return open;
  }

  /**
   * What each key's customer was charged so far in its period and currency, over all its invoices
   * (issued and open, each keeping its own totals), by `invoiceKey`.
   */
  async periodTotals(
    tx: SqlExecutor,
    keys: readonly InvoiceKey[],
  ): Promise<Map<string, { chargesToDate: number; callCount: number }>> {
    if (keys.length === 0) return new Map();
    const { rows } = await tx.query<{
      customer_id: string;
      period: string;
      currency: string;
      total: string | number;
      count: string | number;
    }>(
      `SELECT k.customer_id, k.period, k.currency,
         coalesce(sum(i.total_minor), 0) AS total, coalesce(sum(i.call_count), 0) AS count
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(customer_id, period, currency)
       LEFT JOIN invoices i ON i.customer_id = k.customer_id AND i.period = k.period AND i.currency = k.currency
       GROUP BY k.customer_id, k.period, k.currency`,
      [keys.map((k) => k.customerId), keys.map((k) => k.period), keys.map((k) => k.currency)],
    );
    return new Map(
      rows.map((row) => [
        invoiceKey({ customerId: row.customer_id, period: row.period, currency: row.currency }),
        { chargesToDate: Number(row.total), callCount: Number(row.count) },
      ]),
    );
  }

  /** Adds charges to their invoices, in two statements however many. */
  async addCharges(tx: SqlExecutor, charges: readonly NewCharge[]): Promise<void> {
    if (charges.length === 0) return;
    await tx.query(
      `INSERT INTO charges (id, call_id, invoice_id, customer_id, period, rates_version, currency, lines, total_minor)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::integer[],
         $7::text[], $8::jsonb[], $9::bigint[])`,
      [
        charges.map((c) => c.id),
        charges.map((c) => c.callId),
        charges.map((c) => c.invoiceId),
        charges.map((c) => c.customerId),
        charges.map((c) => c.period),
        charges.map((c) => c.charge.ratesVersion),
        charges.map((c) => c.currency),
        charges.map((c) => JSON.stringify(c.charge.lines)),
        charges.map((c) => c.charge.total.amountMinor),
      ],
    );
    await tx.query(
      `UPDATE invoices i SET total_minor = i.total_minor + d.total, call_count = i.call_count + d.count
       FROM (SELECT id, sum(total) AS total, count(*) AS count
             FROM unnest($1::uuid[], $2::bigint[]) AS c(id, total) GROUP BY id) AS d
       WHERE i.id = d.id`,
      [charges.map((c) => c.invoiceId), charges.map((c) => c.charge.total.amountMinor)],
    );
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
