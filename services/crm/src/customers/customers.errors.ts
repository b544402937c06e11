import { DomainError } from '@switchboard/domain';

export class CustomerNotFoundError extends DomainError {
  readonly code = 'CUSTOMER_NOT_FOUND';
  constructor(customerId: string) {
    super(`no customer ${customerId}`);
  }
}

export class EmailTakenError extends DomainError {
  readonly code = 'EMAIL_TAKEN';
  constructor() {
    super('another customer is registered with this email address');
  }
}
