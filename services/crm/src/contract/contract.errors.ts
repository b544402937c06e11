import { DomainError } from '@switchboard/http';

export class NoContractError extends DomainError {
  readonly code = 'NO_CONTRACT';
  constructor(customerId: string) {
    super(`customer ${customerId} has no contract rates yet; PUT them first`);
  }
}
