import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Link } from '@opentelemetry/api';
import { BUSINESS_KEYS } from '@switchboard/contracts';
import { Outbox } from '@switchboard/messaging';
import { inStoredTrace, storedSpanContext } from '@switchboard/observability';
import { type SqlDatabase } from '@switchboard/database';
import { CONFIG, DATABASE, newMeta, PUBLIC_URL, type PublicUrl } from '@switchboard/service';
import type { BillingConfig } from '../config.ts';
import { CustomersRepository } from '../customers/customers.repository.ts';
import type { InvoiceSummary } from './dto/invoice.dto.ts';
import { renderInvoicePdf } from './invoice-pdf.ts';
import { formatInvoiceNumber } from './invoice-number.ts';
import { InvoicesRepository } from './invoices.repository.ts';
import { PeriodClosesRepository, type RunningClose } from './period-closes.repository.ts';
import { dueDate } from './periods.ts';

/**
 * Issues one open invoice for a period close, in one transaction: a gap-free number, the due date,
 * the PDF (kept by billing, served at `/v1/invoices/{id}/pdf`) and `billing.invoice-issued`, which
 * says where the PDF is and its SHA-256 — never the PDF itself. A failure leaves the invoice open
 * and uses no number.
 *
 * The invoice is issued within the trace of the call that opened it — one trace follows a call from
 * the bridge to the invoice email — and its span links to the request that closed the period.
 */
@Injectable()
export class IssueInvoiceUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    @Inject(CONFIG) private readonly config: BillingConfig,
    @Inject(PUBLIC_URL) private readonly publicUrl: PublicUrl,
    private readonly invoices: InvoicesRepository,
    private readonly closes: PeriodClosesRepository,
    private readonly customers: CustomersRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Issues the invoice for `close`; undefined when it is no longer open. */
  async execute(close: RunningClose, invoiceId: string): Promise<InvoiceSummary | undefined> {
    const requested = storedSpanContext(close.traceContext);
    const links: Link[] = requested ? [{ context: requested }] : [];
    return this.db.transaction(async (tx) => {
      const invoice = await this.invoices.lockOpen(tx, invoiceId);
      if (!invoice) return undefined;
      return inStoredTrace(
        'billing issue invoice',
        invoice.traceContext,
        { links, attributes: { [BUSINESS_KEYS.invoice.attribute]: invoiceId } },
        async () => {
          const issuedAt = Date.now();
          const year = new Date(issuedAt).getUTCFullYear();
          const { invoiceNumberPrefix: prefix, invoiceDueDays } = this.config;
          const number = formatInvoiceNumber(
            prefix,
            year,
            await this.invoices.nextSequence(tx, prefix, year),
          );
          const calls = await this.invoices.chargedCalls(invoiceId, tx);
          const total = { amountMinor: invoice.totalMinor, currency: invoice.currency };
          const due = dueDate(issuedAt, invoiceDueDays);
          const pdf = await renderInvoicePdf({
            invoiceNumber: number,
            period: invoice.period,
            issuedAt,
            dueDate: due,
            customer: await this.customers.customer(tx, invoice.customerId),
            customerId: invoice.customerId,
            currency: invoice.currency,
            calls: calls.map((c) => ({
              callId: c.callId,
              startedAt: Date.parse(c.startedAt),
              endedAt: Date.parse(c.endedAt),
              lines: c.lines,
              total: c.total,
            })),
            total,
          });
          const sha256 = createHash('sha256').update(pdf).digest('hex');
          const summary = await this.invoices.issue(tx, invoiceId, {
            number,
            issuedAt,
            dueDate: due,
            pdf,
            pdfSha256: sha256,
            closeId: close.id,
          });
          await this.closes.countIssued(tx, close.id);
          await this.outbox.enqueue(tx, 'billing.invoice-issued.v1', invoice.customerId, {
            meta: newMeta('billing', { correlationId: invoiceId }),
            customerId: invoice.customerId,
            invoiceId,
            invoiceNumber: number,
            period: invoice.period,
            issuedAt,
            dueDate: due,
            total,
            lineCount: calls.reduce((sum, c) => sum + c.lines.length, 0),
            document: {
              url: `${this.publicUrl.value}/v1/invoices/${invoiceId}/pdf`,
              sha256,
              sizeBytes: pdf.length,
              mediaType: 'application/pdf',
            },
          });
          return summary;
        },
      );
    });
  }
}
