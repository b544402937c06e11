import { DomainError } from '@switchboard/domain';

export class NoContractError extends DomainError {
  readonly code = 'NO_CONTRACT';
  constructor(customerId: string) {
    super(`customer ${customerId} has no contract rates yet; PUT them first`);
  }
}
