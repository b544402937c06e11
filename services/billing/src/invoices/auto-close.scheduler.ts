import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ExclusiveLoop, type SqlDatabase } from '@switchboard/database';
import { CONFIG, DATABASE, LOGGER, type Logger } from '@switchboard/service';
import type { BillingConfig } from '../config.ts';
import { ClosePeriodUseCase } from './close-period.use-case.ts';
import { InvoicesRepository } from './invoices.repository.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';
import { periodBounds } from './periods.ts';

const EVERY_MS = 60_000;
/** Advisory lock key of the scheduler: one process per database asks for the closes. */
const SCHEDULER_LOCK = 7_243_202;

/**
 * With AUTO_CLOSE_AFTER_HOURS set, asks for every period with open invoices to be closed once it
 * has been over for that many hours (checked every minute; once while a close of it runs); without
 * it, periods close only by request. One process per database checks (ExclusiveLoop), so replicas
 * never ask twice for the same close.
 */
@Injectable()
export class AutoCloseScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ExclusiveLoop;

  constructor(
    @Inject(DATABASE) db: SqlDatabase,
    @Inject(CONFIG) private readonly config: BillingConfig,
    private readonly invoices: InvoicesRepository,
    private readonly closes: PeriodClosesRepository,
    private readonly close: ClosePeriodUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.loop = new ExclusiveLoop(db, {
      lockKey: SCHEDULER_LOCK,
      onError: (error) =>
        this.logger.error({ event: 'billing.auto-close.failed', err: error }, 'billing.auto-close.failed'),
    });
  }

  onApplicationBootstrap(): void {
    const hours = this.config.autoCloseAfterHours;
    if (hours === undefined) return;
    this.loop.start(async () => {
      await this.closeEnded(hours * 3_600_000);
      await this.loop.sleeper.sleep(EVERY_MS);
    });
  }

  /** Stops after the check in hand, before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  private async closeEnded(graceMs: number): Promise<void> {
    try {
      for (const period of await this.invoices.periodsWithOpenInvoices()) {
        if (periodBounds(period).end + graceMs > Date.now()) continue;
        if (!(await this.closes.runningForWholePeriod(period))) await this.close.execute(period);
      }
    } catch (error) {
      // Tried again at the next tick: nothing was asked for, or the close asked for runs on.
      this.logger.error({ event: 'billing.auto-close.failed', err: error }, 'billing.auto-close.failed');
    }
  }
}
