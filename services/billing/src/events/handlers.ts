import { eventHandler } from '@switchboard/messaging';
import { ChargeCallsUseCase } from '../calls/charge-calls.use-case.ts';
import { CustomersRepository } from '../customers/customers.repository.ts';

/** What billing consumes: each topic and what it does with an event of it. */
export const BILLING_HANDLERS = [
  // Customers are remembered for their invoices' addresses.
  eventHandler('crm.customer-registered.v1', CustomersRepository, (customers, tx, event) =>
    customers.remember(tx, event),
  ),
  eventHandler('crm.customer-updated.v1', CustomersRepository, (customers, tx, event) =>
    customers.remember(tx, event),
  ),
  // New rates apply from their effective instant; calls that waited for them are rated now.
  eventHandler('crm.contract-rates-changed.v1', ChargeCallsUseCase, (charging, tx, event) =>
    charging.ratesChanged(tx, event),
  ),
  // A completed call is rated and added to the customer's open invoice; a partition's calls
  // are charged together, in one transaction.
  eventHandler(
    'conference.call-completed.v1',
    ChargeCallsUseCase,
    (charging, tx, event) => charging.callCompleted(tx, event),
    {
      batched: {
        handleAll: (charging, tx, items) =>
          charging.callsCompleted(
            tx,
            items.map((item) => ({ event: item.event, trace: item.context.trace })),
          ),
      },
    },
  ),
];
