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

  bookingConfirmation(tx: SqlExecutor, event: BridgeReserved, trace: Context): Promise<void> {
    return this.bookingConfirmations(tx, [{ event, trace }]);
  }

  /** Reservations (a partition's batch, each in its record's trace): their emails in a few statements. */
  bookingConfirmations(
    tx: SqlExecutor,
    items: readonly { readonly event: BridgeReserved; readonly trace: Context }[],
  ): Promise<void> {
    return this.queue(
      tx,
      items.map(({ event, trace }) => ({
        dedupeKey: `booking:${event.reservationId}`,
        kind: 'BOOKING_CONFIRMATION',
        customerId: event.customerId,
        relatedId: event.orderId,
        content: bookingConfirmation(event),
        cause: event.meta,
        trace,
      })),
    );
  }

  /** Fails with UntrustedDocumentError when the event's PDF is not on billing's API. */
  invoice(tx: SqlExecutor, event: InvoiceIssued, trace: Context): Promise<void> {
    return this.queue(tx, [
      {
        dedupeKey: `invoice:${event.invoiceId}`,
        kind: 'INVOICE',
        customerId: event.customerId,
        relatedId: event.invoiceId,
        content: invoiceEmail(event, this.config.billingUrl),
        cause: event.meta,
        trace,
      },
    ]);
  }

  private async queue(
    tx: SqlExecutor,
    mails: readonly {
      dedupeKey: string;
      kind: MailKind;
      customerId: string;
      relatedId: string;
      content: MailContent;
      cause: EventMeta;
      trace: Context;
    }[],
  ): Promise<void> {
    const customers = mails.map((mail) => mail.customerId);
    await this.contacts.lockCustomers(tx, customers);
    const contacts = await this.contacts.getMany(tx, customers);
    const queued = await this.mails.insertMany(
      tx,
      mails.map((mail) => ({
        dedupeKey: mail.dedupeKey,
        kind: mail.kind,
        customerId: mail.customerId,
        relatedId: mail.relatedId,
        to: contacts.get(mail.customerId.toLowerCase())?.email,
        content: mail.content,
        // Booking and invoice subjects name a date, a number and a period: no personal data.
        eventSubject: mail.content.subject,
        trace: captureTraceContext(mail.trace),
        correlationId: mail.cause.correlationId,
        causationId: mail.cause.eventId,
      })),
    );
    const due = mails.some(
      (mail) => queued.has(mail.dedupeKey) && contacts.has(mail.customerId.toLowerCase()),
    );
    if (due) tx.afterCommit?.(() => this.dispatcher.wake());
  }
}
