import { DomainError } from '@switchboard/domain';

export class OrderNotFoundError extends DomainError {
  readonly code = 'ORDER_NOT_FOUND';
  constructor(orderId: string) {
    super(`no order ${orderId}`);
  }
}

/** Orders keeps its own view of crm's customers; a customer not in it cannot book. */
export class UnknownCustomerError extends DomainError {
  readonly code = 'UNKNOWN_CUSTOMER';
  constructor(customerId: string) {
    super(
      `customer ${customerId} is not known: register it in crm first (a customer registered a moment ago may take a few seconds to reach orders)`,
    );
  }
}

export class OrderNotCancellableError extends DomainError {
  readonly code = 'ORDER_NOT_CANCELLABLE';
  constructor(orderId: string, status: string) {
    super(`order ${orderId} is ${status} and cannot be cancelled`);
  }
}
