import { DomainError } from '@switchboard/domain';

export class InvoiceNotFoundError extends DomainError {
  readonly code = 'INVOICE_NOT_FOUND';
  constructor(invoiceId: string) {
    super(`no invoice ${invoiceId}`);
  }
}

export class InvoiceNotIssuedError extends DomainError {
  readonly code = 'INVOICE_NOT_ISSUED';
  constructor(invoiceId: string) {
    super(`invoice ${invoiceId} is still open: its PDF is rendered when its period is closed`);
  }
}

export class PeriodNotStartedError extends DomainError {
  readonly code = 'PERIOD_NOT_STARTED';
  constructor(period: string) {
    super(`period ${period} has not started yet; only a current or past period can be closed`);
  }
}

export class NoRatesError extends DomainError {
  readonly code = 'NO_RATES';
  constructor(customerId: string) {
    super(
      `billing knows no contract rates of customer ${customerId}: set them in crm (they reach billing within seconds)`,
    );
  }
}

export class PeriodCloseNotFoundError extends DomainError {
  readonly code = 'PERIOD_CLOSE_NOT_FOUND';
  constructor(period: string, closeId: string) {
    super(`no close ${closeId} of period ${period}`);
  }
}
