import { eventHandler } from '@switchboard/messaging';
import { FollowBillingUseCase } from '../billing-summary/follow-billing.use-case.ts';

/** What crm consumes: each topic and what it does with an event of it. */
export const CRM_HANDLERS = [
  // Charges and invoices keep each customer's billing summary current. A partition's charges
  // are taken in together: each customer's summary is saved once per batch.
  eventHandler(
    'billing.call-charged.v1',
    FollowBillingUseCase,
    (follow, tx, event) => follow.charged(tx, event),
    {
      batched: {
        handleAll: (follow, tx, items) =>
          follow.chargedAll(
            tx,
            items.map((item) => item.event),
          ),
      },
    },
  ),
  eventHandler('billing.invoice-issued.v1', FollowBillingUseCase, (follow, tx, event) =>
    follow.invoiced(tx, event),
  ),
];
