import { Injectable } from '@nestjs/common';
import type { CallCharged, InvoiceIssued } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import { withCharge, withInvoice } from './billing-summary.ts';
import { BillingSummaryRepository } from './billing-summary.repository.ts';

/**
 * Keeps each customer's billing summary from billing's events: a charge brings the period's running
 * totals, an issued invoice the last invoice. Older news than the summary holds changes nothing.
 * The invoice's PDF is personal data crm does not need: it is neither stored nor logged.
 */
@Injectable()
export class FollowBillingUseCase {
  constructor(private readonly summaries: BillingSummaryRepository) {}

  async charged(tx: SqlExecutor, event: CallCharged): Promise<void> {
    const summary = await this.summaries.lock(tx, event.customerId, event.meta.occurredAt);
    await this.summaries.save(tx, withCharge(summary, event));
  }

  async invoiced(tx: SqlExecutor, event: InvoiceIssued): Promise<void> {
    const summary = await this.summaries.lock(tx, event.customerId, event.meta.occurredAt);
    await this.summaries.save(tx, withInvoice(summary, event));
  }
}
