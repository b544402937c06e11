import { DomainError } from '@switchboard/domain';

export class BridgeNotFoundError extends DomainError {
  readonly code = 'BRIDGE_NOT_FOUND';
  constructor(bridgeId: string) {
    super(`no bridge ${bridgeId}`);
  }
}

export class InvalidRangeError extends DomainError {
  readonly code = 'INVALID_RANGE';
  constructor() {
    super('`to` must be after `from`');
  }
}
