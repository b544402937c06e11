import { Injectable } from '@nestjs/common';
import type { CallCharged, InvoiceIssued } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import { type BillingSummaryState, withCharge, withInvoice } from './billing-summary.ts';
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
    await this.chargedAll(tx, [event]);
  }

  /** Several charges (a partition's batch), in their order: each customer's summary locked and saved once. */
  async chargedAll(tx: SqlExecutor, events: readonly CallCharged[]): Promise<void> {
    if (events.length === 0) return;
    const summaries = await this.summaries.lockMany(
      tx,
      events.map((event) => ({ customerId: event.customerId, occurredAt: event.meta.occurredAt })),
    );
    const merged = new Map<string, BillingSummaryState>();
    for (const event of events) {
      const id = event.customerId.toLowerCase();
      merged.set(id, withCharge(merged.get(id) ?? summaries.get(id), event));
    }
    await this.summaries.saveMany(tx, [...merged.values()]);
  }

  async invoiced(tx: SqlExecutor, event: InvoiceIssued): Promise<void> {
    const summary = await this.summaries.lock(tx, event.customerId, event.meta.occurredAt);
    await this.summaries.save(tx, withInvoice(summary, event));
  }
}
