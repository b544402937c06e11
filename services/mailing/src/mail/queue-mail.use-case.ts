import { Inject, Injectable } from '@nestjs/common';
import type { Context } from '@opentelemetry/api';
import type { BridgeReserved, EventMeta, InvoiceIssued } from '@switchboard/contracts';
import { captureTraceContext } from '@switchboard/observability';
import { type SqlExecutor } from '@switchboard/database';
import { CONFIG } from '@switchboard/service';
import type { MailingConfig } from '../config.ts';
import { ContactsRepository } from '../contacts/contacts.repository.ts';
import { MailDispatcher } from './mail-dispatcher.ts';
import { bookingConfirmation, invoiceEmail, type MailContent } from './messages.ts';
import { type MailKind, OutgoingMailRepository } from './outgoing-mail.repository.ts';

/**
 * Queues the emails other services' events ask for — a booking confirmation per reservation, an
 * invoice email per invoice — in the handler's transaction. An email is queued once per
 * reservation or invoice, however often (and with whatever event id) its event arrives; for a
 * contact mailing does not know yet, it waits for crm's event about the contact.
 */
@Injectable()
export class QueueMailUseCase {
  constructor(
    @Inject(CONFIG) private readonly config: MailingConfig,
    private readonly contacts: ContactsRepository,
    private readonly mails: OutgoingMailRepository,
    private readonly dispatcher: MailDispatcher,
  ) {}

  /** Before a batch of events: their customers' locks, in one order, so concurrent batches cannot deadlock. */
  lockCustomersOf(tx: SqlExecutor, events: readonly { readonly customerId: string }[]): Promise<void> {
    return this.contacts.lockCustomers(
      tx,
      events.map((event) => event.customerId),
    );
  }

  bookingConfirmation(tx: SqlExecutor, event: BridgeReserved, trace: Context): Promise<void> {
    return this.queue(tx, {
      dedupeKey: `booking:${event.reservationId}`,
      kind: 'BOOKING_CONFIRMATION',
      customerId: event.customerId,
      relatedId: event.orderId,
      content: bookingConfirmation(event),
      cause: event.meta,
      trace,
    });
  }

  /** Fails with UntrustedDocumentError when the event's PDF is not on billing's API. */
  invoice(tx: SqlExecutor, event: InvoiceIssued, trace: Context): Promise<void> {
    return this.queue(tx, {
      dedupeKey: `invoice:${event.invoiceId}`,
      kind: 'INVOICE',
      customerId: event.customerId,
      relatedId: event.invoiceId,
      content: invoiceEmail(event, this.config.billingUrl),
      cause: event.meta,
      trace,
    });
  }

  private async queue(
    tx: SqlExecutor,
    mail: {
      dedupeKey: string;
      kind: MailKind;
      customerId: string;
      relatedId: string;
      content: MailContent;
      cause: EventMeta;
      trace: Context;
    },
  ): Promise<void> {
    await this.contacts.lockCustomer(tx, mail.customerId);
    const contact = await this.contacts.get(mail.customerId, tx);
    const queued = await this.mails.insert(tx, {
      dedupeKey: mail.dedupeKey,
      kind: mail.kind,
      customerId: mail.customerId,
      relatedId: mail.relatedId,
      to: contact?.email,
      content: mail.content,
      // Booking and invoice subjects name a date, a number and a period: no personal data.
      eventSubject: mail.content.subject,
      trace: captureTraceContext(mail.trace),
      correlationId: mail.cause.correlationId,
      causationId: mail.cause.eventId,
    });
    if (queued && contact) tx.afterCommit?.(() => this.dispatcher.wake());
  }
}
