import { DomainError } from '@switchboard/domain';

export class ContactNotFoundError extends DomainError {
  readonly code = 'CONTACT_NOT_FOUND';
  constructor(customerId: string) {
    super(`mailing has no contact of customer ${customerId}: crm's event about it has not arrived`);
  }
}
