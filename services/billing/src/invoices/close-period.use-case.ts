import { Inject, Injectable } from '@nestjs/common';
import { context, type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { extractTraceContext, Outbox, type SqlDatabase } from '@switchboard/messaging';
import { CONFIG, DATABASE, LOGGER, newMeta, type Logger } from '@switchboard/service';
import type { BillingConfig } from '../config.ts';
import { CustomersRepository } from '../customers/customers.repository.ts';
import { PeriodNotStartedError } from '../billing.errors.ts';
import type { InvoiceSummary, PeriodClosed } from './dto/invoice.dto.ts';
import { renderInvoicePdf } from './invoice-pdf.ts';
import { formatInvoiceNumber } from './invoice-number.ts';
import { InvoicesRepository } from './invoices.repository.ts';
import { dueDate, periodBounds } from './periods.ts';

const tracer = trace.getTracer('@switchboard/billing');

/**
 * Closes a billing period: issues every open invoice of the month with a gap-free number, a due
 * date and its PDF, and publishes `billing.invoice-issued`. Each invoice is issued in its own
 * transaction (number, PDF, event), so a failure leaves the others issued and a repeated close
 * issues what is left. Charges of the period that arrive after the close open a new invoice,
 * issued by the next close.
 *
 * Each invoice is issued within the trace of the call that opened it — one trace follows a call
 * from the bridge to the invoice email — and its span links to the request that closed the period.
 */
@Injectable()
export class ClosePeriodUseCase {
  constructor(
    @Inject(DATABASE) private readonly db: SqlDatabase,
    @Inject(CONFIG) private readonly config: BillingConfig,
    private readonly invoices: InvoicesRepository,
    private readonly customers: CustomersRepository,
    private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async execute(period: string, now = Date.now()): Promise<PeriodClosed> {
    if (periodBounds(period).start > now) throw new PeriodNotStartedError(period);
    const issued: InvoiceSummary[] = [];
    for (const id of await this.invoices.openIdsOf(period)) {
      const invoice = await this.issue(id);
      if (invoice) issued.push(invoice);
    }
    this.logger.info(
      { event: 'billing.period.closed', period, invoicesIssued: issued.length },
      'billing.period.closed',
    );
    return { period, invoicesIssued: issued.length, invoices: issued };
  }

  private async issue(invoiceId: string): Promise<InvoiceSummary | undefined> {
    const closing = trace.getActiveSpan()?.spanContext();
    const links: Link[] = closing ? [{ context: closing }] : [];
    return this.db.transaction(async (tx) => {
      const invoice = await this.invoices.lockOpen(tx, invoiceId);
      if (!invoice) return undefined; // issued by a concurrent close
      const parent = extractTraceContext(invoice.traceContext);
      const span = tracer.startSpan(
        'billing issue invoice',
        { kind: SpanKind.INTERNAL, links, attributes: { 'billing.invoice.id': invoiceId } },
        trace.getSpan(parent) ? parent : context.active(),
      );
      try {
        return await context.with(trace.setSpan(context.active(), span), async () => {
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
          const summary = await this.invoices.issue(tx, invoiceId, { number, issuedAt, dueDate: due, pdf });
          span.setAttribute('billing.invoice.number', number);
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
            pdf,
          });
          return summary;
        });
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }
}
