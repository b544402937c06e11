import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CONFIG, LOGGER, type Logger } from '@switchboard/service';
import type { BillingConfig } from '../config.ts';
import { ClosePeriodUseCase } from './close-period.use-case.ts';
import { InvoicesRepository } from './invoices.repository.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';
import { periodBounds } from './periods.ts';

const EVERY_MS = 60_000;

/**
 * With AUTO_CLOSE_AFTER_HOURS set, asks for every period with open invoices to be closed once it
 * has been over for that many hours (checked every minute; once while a close of it runs); without
 * it, periods close only by request.
 */
@Injectable()
export class AutoCloseScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: BillingConfig,
    private readonly invoices: InvoicesRepository,
    private readonly closes: PeriodClosesRepository,
    private readonly close: ClosePeriodUseCase,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const hours = this.config.autoCloseAfterHours;
    if (hours === undefined) return;
    const tick = () => {
      this.running ??= this.closeEnded(hours * 3_600_000).finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(tick, EVERY_MS);
    this.timer.unref();
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
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
