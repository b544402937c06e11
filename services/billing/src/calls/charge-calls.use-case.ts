import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { EventOf } from '@switchboard/contracts';
import { extractTraceContext, Outbox } from '@switchboard/messaging';
import { captureTraceContext } from '@switchboard/observability';
import { type SqlExecutor } from '@switchboard/database';
import { LOGGER, metaFollowing, type Logger } from '@switchboard/service';
import { CustomersRepository } from '../customers/customers.repository.ts';
import { periodOf } from '../invoices/periods.ts';
import { InvoicesRepository } from '../invoices/invoices.repository.ts';
import { type CallCharge, rateCall, ratesInEffect } from '../rating/rating.ts';
import { CallsRepository, type StoredCall } from './calls.repository.ts';

/**
 * Rates completed calls and adds their charges to the customers' open invoices.
 *
 * A call is rated with the contract rates in effect when it started. Events of different topics
 * arrive in any order, so a call whose rates billing does not know yet is kept UNRATED and rated
 * when a version of the rates that covers it arrives; one that cannot be rated with them is held
 * with the reason and tried again with the customer's next rates. Both paths hold the customer's lock, so a call
 * and its rates arriving at the same moment cannot miss each other. Each charge is published as
 * `billing.call-charged`, in the call's trace, in the transaction that records it.
 */
@Injectable()
export class ChargeCallsUseCase {
  constructor(
    private readonly calls: CallsRepository,
    private readonly customers: CustomersRepository,
    private readonly invoices: InvoicesRepository,
    private readonly outbox: Outbox,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** A call completed: keep it and rate it if its rates are known. */
  async callCompleted(tx: SqlExecutor, event: EventOf<'conference.call-completed.v1'>): Promise<void> {
    await this.calls.lockCustomer(tx, event.customerId);
    const call = await this.calls.insert(tx, event, captureTraceContext());
    // Known already (the bridge published the call again under a new event id): charged once.
    if (!call) return;
    // The customer's other unrated calls wait for rates this call does not bring.
    await this.rate(tx, call.customerId, [call]);
  }

  /** Before a batch of calls: their customers' locks, in one order, so concurrent batches cannot deadlock. */
  async lockCustomersOf(
    tx: SqlExecutor,
    events: readonly EventOf<'conference.call-completed.v1'>[],
  ): Promise<void> {
    await this.calls.lockCustomers(
      tx,
      events.map((event) => event.customerId),
    );
  }

  /** New rates arrived: rate the customer's calls that waited for them, or could not be rated. */
  async ratesChanged(tx: SqlExecutor, event: EventOf<'crm.contract-rates-changed.v1'>): Promise<void> {
    await this.calls.lockCustomer(tx, event.customerId);
    if (!(await this.customers.rememberRates(tx, event))) return;
    const held = await this.calls.unratedOf(tx, event.customerId);
    if (held.length > 0) await this.rate(tx, event.customerId, held);
  }

  /**
   * Rates each call with the rates in effect at its start. A call without such rates waits for
   * them; one whose rating fails (an amount too large to represent, say) is held with the reason,
   * for review — neither stops the other calls, nor the event that brought them.
   */
  private async rate(tx: SqlExecutor, customerId: string, calls: readonly StoredCall[]): Promise<void> {
    const history = await this.customers.ratesHistory(tx, customerId);
    for (const call of calls) {
      const rates = ratesInEffect(history, call.startedAt);
      if (!rates) {
        this.afterCommit(tx, 'billing.call.held', {
          callId: call.callId,
          customerId,
          reason: history.length === 0 ? 'no rates known' : 'no rates in effect when it started',
        });
        continue;
      }
      let charge: CallCharge;
      try {
        // Pure arithmetic on the call and its rates: whatever fails here is theirs, not the system's.
        charge = rateCall(call, rates);
      } catch (error) {
        const reason = `cannot rate it with rates version ${rates.version}: ${(error as Error).message}`;
        await this.calls.hold(tx, call.callId, reason);
        this.afterCommit(tx, 'billing.call.held', { callId: call.callId, customerId, reason });
        continue;
      }
      await this.charge(tx, call, charge);
    }
  }

  private async charge(tx: SqlExecutor, call: StoredCall, charge: CallCharge): Promise<void> {
    const period = periodOf(call.startedAt);
    const invoiceId = await this.invoices.openFor(
      tx,
      call.customerId,
      period,
      charge.total.currency,
      randomUUID(),
      call.traceContext,
    );
    const chargeId = randomUUID();
    const totals = await this.invoices.addCharge(tx, {
      id: chargeId,
      callId: call.callId,
      invoiceId,
      customerId: call.customerId,
      period,
      charge,
    });
    await this.calls.markRated(tx, call.callId);
    const currency = charge.total.currency;
    await this.outbox.enqueue(
      tx,
      'billing.call-charged.v1',
      call.customerId,
      {
        meta: metaFollowing('billing', call.eventMeta),
        customerId: call.customerId,
        chargeId,
        callId: call.callId,
        invoiceId,
        period,
        ratesVersion: charge.ratesVersion,
        lines: charge.lines,
        total: charge.total,
        periodChargesToDate: { amountMinor: totals.chargesToDate, currency },
        periodCallCount: totals.callCount,
      },
      // A call held for its rates is charged within its own trace, not the rates event's.
      { trace: extractTraceContext(call.traceContext) },
    );
    this.afterCommit(tx, 'billing.call.rated', {
      callId: call.callId,
      customerId: call.customerId,
      invoiceId,
      ratesVersion: charge.ratesVersion,
      totalMinor: charge.total.amountMinor,
      currency,
    });
  }

  /** Logs what a transaction did once it is committed (a rolled-back one did nothing). */
  private afterCommit(tx: SqlExecutor, event: string, fields: Record<string, unknown>): void {
    const log = () => this.logger.info({ event, ...fields }, event);
    if (tx.afterCommit) tx.afterCommit(log);
    else log();
  }
}
