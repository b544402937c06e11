import { eventHandler } from '@switchboard/messaging';
import { ApplyContactUseCase } from '../contacts/apply-contact.use-case.ts';
import { QueueMailUseCase } from '../mail/queue-mail.use-case.ts';

/** What mailing consumes: each topic and what it does with an event of it. */
export const MAILING_HANDLERS = [
  // A new or changed customer: mailing keeps its contact current (and may send what waited for it).
  eventHandler('crm.customer-registered.v1', ApplyContactUseCase, (contacts, tx, event) =>
    contacts.execute(tx, event),
  ),
  eventHandler('crm.customer-updated.v1', ApplyContactUseCase, (contacts, tx, event) =>
    contacts.execute(tx, event),
  ),
  // A reserved bridge: the customer gets the dial-in details by email.
  // A partition's batch of them is queued together, its customers locked first.
  eventHandler(
    'conference.bridge-reserved.v1',
    QueueMailUseCase,
    (queue, tx, event, context) => queue.bookingConfirmation(tx, event, context.trace),
    {
      batched: {
        handleAll: (queue, tx, items) =>
          queue.bookingConfirmations(
            tx,
            items.map((item) => ({ event: item.event, trace: item.context.trace })),
          ),
      },
    },
  ),
  // An issued invoice: the customer gets it by email, the PDF attached.
  eventHandler('billing.invoice-issued.v1', QueueMailUseCase, (queue, tx, event, context) =>
    queue.invoice(tx, event, context.trace),
  ),
];
