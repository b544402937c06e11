import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Context, context } from '@opentelemetry/api';
import type { EventOf } from '@switchboard/contracts';
import { extractTraceContext, Outbox } from '@switchboard/messaging';
import { captureTraceContext } from '@switchboard/observability';
import { type SqlExecutor } from '@switchboard/database';
import { LOGGER, metaFollowing, type Logger } from '@switchboard/service';
import { CustomersRepository, type StoredRates } from '../customers/customers.repository.ts';
import { periodOf } from '../invoices/periods.ts';
import { type InvoiceKey, invoiceKey, InvoicesRepository } from '../invoices/invoices.repository.ts';
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
    await this.callsCompleted(tx, [{ event, trace: context.active() }]);
  }

  /**
   * Calls completed (a partition's batch, each in its record's trace): their customers locked in
   * one order, so concurrent batches cannot deadlock, then kept and rated together — a dozen
   * statements for the batch, not a dozen per call.
   */
  async callsCompleted(
    tx: SqlExecutor,
    items: readonly { readonly event: EventOf<'conference.call-completed.v1'>; readonly trace: Context }[],
  ): Promise<void> {
    await this.calls.lockCustomers(
      tx,
      items.map(({ event }) => event.customerId),
    );
    // Known ones (the bridge published a call again under a new event id) are charged once.
    const stored = await this.calls.insertMany(
      tx,
      items.map(({ event, trace }) => ({ event, traceContext: captureTraceContext(trace) })),
    );
    if (stored.length === 0) return;
    // The customers' other unrated calls wait for rates these calls do not bring.
    const histories = await this.customers.ratesHistories(
      tx,
      stored.map((call) => call.customerId),
    );
    await this.rate(tx, stored, histories);
  }

  /** New rates arrived: rate the customer's calls that waited for them, or could not be rated. */
  async ratesChanged(tx: SqlExecutor, event: EventOf<'crm.contract-rates-changed.v1'>): Promise<void> {
    await this.calls.lockCustomer(tx, event.customerId);
    if (!(await this.customers.rememberRates(tx, event))) return;
    const held = await this.calls.unratedOf(tx, event.customerId);
    if (held.length > 0)
      await this.rate(tx, held, await this.customers.ratesHistories(tx, [event.customerId]));
  }

  /**
   * Rates each call with the rates in effect at its start. A call without such rates waits for
   * them; one whose rating fails (an amount too large to represent, say) is held with the reason,
   * for review — neither stops the other calls, nor the event that brought them.
   */
  private async rate(
    tx: SqlExecutor,
    calls: readonly StoredCall[],
    histories: ReadonlyMap<string, readonly StoredRates[]>,
  ): Promise<void> {
    const rated: { readonly call: StoredCall; readonly charge: CallCharge }[] = [];
    for (const call of calls) {
      const { customerId } = call;
      const history = histories.get(customerId) ?? [];
      const rates = ratesInEffect(history, call.startedAt);
      if (!rates) {
        this.afterCommit(tx, 'billing.call.held', {
          callId: call.callId,
          customerId,
          reason: history.length === 0 ? 'no rates known' : 'no rates in effect when it started',
        });
        continue;
      }
      try {
        // Pure arithmetic on the call and its rates: whatever fails here is theirs, not the system's.
        rated.push({ call, charge: rateCall(call, rates) });
      } catch (error) {
        const reason = `cannot rate it with rates version ${rates.version}: ${(error as Error).message}`;
        await this.calls.hold(tx, call.callId, reason);
        this.afterCommit(tx, 'billing.call.held', { callId: call.callId, customerId, reason });
      }
    }
    await this.charge(tx, rated);
  }

  /**
   * Adds rated calls to their customers' open invoices and publishes each charge with the period's
   * totals after it, in the calls' order: each statement once for all of them.
   */
  private async charge(
    tx: SqlExecutor,
    rated: readonly { readonly call: StoredCall; readonly charge: CallCharge }[],
  ): Promise<void> {
    if (rated.length === 0) return;
    const keyed = rated.map(({ call, charge }) => ({
      call,
      charge,
      key: { customerId: call.customerId, period: periodOf(call.startedAt), currency: charge.total.currency },
    }));
    // Each invoice is opened, when it must be, in the trace of its first call.
    const keys = new Map<string, InvoiceKey & { traceContext: Record<string, string> }>();
    for (const { call, key } of keyed) {
      if (!keys.has(invoiceKey(key))) keys.set(invoiceKey(key), { ...key, traceContext: call.traceContext });
    }
    const invoiceIds = await this.invoices.openInvoices(tx, [...keys.values()]);
    const totals = await this.invoices.periodTotals(tx, [...keys.values()]);
    const charges = keyed.map(({ call, charge, key }) => {
      const invoiceId = invoiceIds.get(invoiceKey(key));
      if (invoiceId === undefined) throw new Error(`no open invoice for ${invoiceKey(key)}`);
      const before = totals.get(invoiceKey(key)) ?? { chargesToDate: 0, callCount: 0 };
      const after = {
        chargesToDate: before.chargesToDate + charge.total.amountMinor,
        callCount: before.callCount + 1,
      };
      totals.set(invoiceKey(key), after);
      return { call, charge, key, invoiceId, chargeId: randomUUID(), after };
    });
    await this.invoices.addCharges(
      tx,
      charges.map(({ call, charge, key, invoiceId, chargeId }) => ({
        ...key,
        id: chargeId,
        callId: call.callId,
        invoiceId,
        charge,
      })),
    );
    await this.calls.markRated(
      tx,
      charges.map(({ call }) => call.callId),
    );
    await this.outbox.enqueueMany(
      tx,
      charges.map(({ call, charge, key, invoiceId, chargeId, after }) => ({
        topic: 'billing.call-charged.v1' as const,
        key: call.customerId,
        event: {
          meta: metaFollowing('billing', call.eventMeta),
          customerId: call.customerId,
          chargeId,
          callId: call.callId,
          invoiceId,
          period: key.period,
          ratesVersion: charge.ratesVersion,
          lines: charge.lines,
          total: charge.total,
          periodChargesToDate: { amountMinor: after.chargesToDate, currency: key.currency },
          periodCallCount: after.callCount,
        },
        // A call held for its rates is charged within its own trace, not the rates event's.
        trace: extractTraceContext(call.traceContext),
      })),
    );
    for (const { call, charge, invoiceId } of charges) {
      this.afterCommit(tx, 'billing.call.rated', {
        callId: call.callId,
        customerId: call.customerId,
        invoiceId,
        ratesVersion: charge.ratesVersion,
        totalMinor: charge.total.amountMinor,
        currency: charge.total.currency,
      });
    }
  }

  /** Logs what a transaction did once it is committed (a rolled-back one did nothing). */
  private afterCommit(tx: SqlExecutor, event: string, fields: Record<string, unknown>): void {
    const log = () => this.logger.info({ event, ...fields }, event);
    if (tx.afterCommit) tx.afterCommit(log);
    else log();
  }
}
