import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { captureTraceContext } from '@switchboard/observability';
import { PeriodNotStartedError } from '../billing.errors.ts';
import type { PeriodClose } from './dto/invoice.dto.ts';
import { PeriodCloseRunner } from './period-close.runner.ts';
import { PeriodClosesRepository } from './period-closes.repository.ts';
import { periodBounds } from './periods.ts';

/**
 * Asks for a period to be closed: every invoice of the month open now — or only one customer's —
 * is issued, one transaction each, by the period-close runner, which goes on after a crash or a
 * restart until none is left. Charges of the period that arrive meanwhile or later open a new
 * invoice, issued by the next close.
 */
@Injectable()
export class ClosePeriodUseCase {
  constructor(
    private readonly closes: PeriodClosesRepository,
    private readonly runner: PeriodCloseRunner,
  ) {}

  async execute(period: string, scope: { customerId?: string } = {}, now = Date.now()): Promise<PeriodClose> {
    if (periodBounds(period).start > now) throw new PeriodNotStartedError(period);
    const id = randomUUID();
    // The invoices' spans link to the request that closed the period.
    const traceContext = captureTraceContext();
    await this.closes.create({ id, period, customerId: scope.customerId ?? null, traceContext });
    this.runner.wake();
    const close = await this.closes.get(id);
    if (!close) throw new Error(`period close ${id} vanished as it was created`);
    return close;
  }
}
