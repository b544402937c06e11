import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ExclusiveLoop, type SqlDatabase } from '@switchboard/database';
import { DATABASE, LOGGER, type Logger } from '@switchboard/service';
import { IssueInvoiceUseCase } from './issue-invoice.use-case.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';

/** Advisory lock key of the runner (one process per database closes periods). */
const RUNNER_LOCK = 7_243_201;
/** How often running closes are looked for when no request woke the runner. */
const POLL_MS = 5_000;
/** Before trying again the invoices that failed to issue in a round. */
const FAILED_PAUSE_MS = 5_000;

/**
 * Works the period closes, oldest first: issues each one's invoices one at a time (each in its own
 * transaction), then marks it COMPLETED. It keeps no state but the database, so a close cut short
 * by a crash or a restart goes on where it stopped, without issuing an invoice twice or skipping
 * one. An invoice that fails to issue is left for the end of the round and tried again after a
 * pause, so it never holds the others up. One process per database runs it (ExclusiveLoop).
 */
@Injectable()
export class PeriodCloseRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ExclusiveLoop;
  /** Invoices that failed this round, by close. */
  private readonly failed = new Map<string, Set<string>>();

  constructor(
    @Inject(DATABASE) db: SqlDatabase,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly closes: PeriodClosesRepository,
    private readonly issue: IssueInvoiceUseCase,
  ) {
    this.loop = new ExclusiveLoop(db, {
      lockKey: RUNNER_LOCK,
      onError: (error) =>
        this.logger.error(
          { event: 'billing.period-close.failed', err: error },
          'billing.period-close.failed',
        ),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start(() => this.pass());
  }

  /** Stops after the invoice in hand, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /** Looks for closes to work now (after a request). */
  wake(): void {
    this.loop.wake();
  }

  /** Issues the next invoice of the oldest running close, or completes it, or waits for one. */
  private async pass(): Promise<void> {
    const close = await this.closes.oldestRunning();
    if (!close) {
      await this.loop.sleeper.sleep(POLL_MS, { wakeable: true });
      return;
    }
    const failed = this.failed.get(close.id) ?? new Set<string>();
    this.failed.set(close.id, failed);
    const invoiceId = await this.closes.nextInvoice(close, [...failed]);
    if (invoiceId !== undefined) {
      try {
        await this.issue.execute(close, invoiceId);
      } catch (error) {
        failed.add(invoiceId);
        this.logger.error(
          { event: 'billing.invoice.issue-failed', closeId: close.id, invoiceId, err: error },
          'billing.invoice.issue-failed',
        );
      }
      return;
    }
    if (failed.size > 0) {
      // Only the invoices that failed are left: after a pause, a new round tries them again.
      failed.clear();
      await this.loop.sleeper.sleep(FAILED_PAUSE_MS);
      return;
    }
    this.failed.delete(close.id);
    const issued = await this.closes.complete(close.id);
    if (issued !== undefined) {
      this.logger.info(
        {
          event: 'billing.period.closed',
          closeId: close.id,
          period: close.period,
          customerId: close.customerId,
          invoicesIssued: issued,
        },
        'billing.period.closed',
      );
    }
  }
}
