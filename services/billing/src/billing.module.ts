import { Module } from '@nestjs/common';
import { CallsController } from './calls/calls.controller.ts';
import { CallsRepository } from './calls/calls.repository.ts';
import { ChargeCallsUseCase } from './calls/charge-calls.use-case.ts';
import { CustomersRepository } from './customers/customers.repository.ts';
import { RatesController } from './customers/rates.controller.ts';
import { AutoCloseScheduler } from './invoices/auto-close.scheduler.ts';
import { ClosePeriodUseCase } from './invoices/close-period.use-case.ts';
import { BillingPeriodsController } from './invoices/billing-periods.controller.ts';
import { InvoicesController } from './invoices/invoices.controller.ts';
import { InvoicesRepository } from './invoices/invoices.repository.ts';
import { IssueInvoiceUseCase } from './invoices/issue-invoice.use-case.ts';
import { PeriodCloseRunner } from './invoices/period-close.runner.ts';
import { PeriodClosesRepository } from './invoices/period-closes.repository.ts';

/** Customers' rates, calls and their charges, invoices. */
@Module({
  controllers: [InvoicesController, BillingPeriodsController, RatesController, CallsController],
  providers: [
    CustomersRepository,
    CallsRepository,
    InvoicesRepository,
    PeriodClosesRepository,
    ChargeCallsUseCase,
    IssueInvoiceUseCase,
    PeriodCloseRunner,
    ClosePeriodUseCase,
    AutoCloseScheduler,
  ],
  exports: [CustomersRepository, ChargeCallsUseCase],
})
export class BillingModule {}
