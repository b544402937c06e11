import type { BridgeReserved, InvoiceIssued } from '@switchboard/contracts';
import { UntrustedDocumentError } from './mail.errors.ts';
import { formatDate, formatMoney, formatUtc } from './format.ts';

/**
 * A document an email attaches, by reference: fetched when the email is sent (the email waits
 * until that succeeds) and checked against its SHA-256 when the event gave one.
 */
export interface AttachmentRef {
  readonly fileName: string;
  readonly url: string;
  readonly sha256: string | null;
  readonly mediaType: string;
}

/** An email's content, before it is addressed. */
export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly attachment?: AttachmentRef;
}

const SIGNATURE =
  '\n\nKind regards,\nSwitchboard\n\nThis message was sent automatically; replies are not read.';

/** The confirmation of a booked conference: how and when to dial in. */
export function bookingConfirmation(event: BridgeReserved): MailContent {
  const minutes = Math.round((event.endsAt - event.startsAt) / 60_000);
  return {
    subject: `Your conference on ${formatUtc(event.startsAt)}: dial-in details`,
    text:
      [
        'Hello,',
        '',
        'your conference call is booked. Participants join it like this:',
        '',
        `  Dial-in number: ${event.dialInNumber}`,
        `  Access code:    ${event.accessCode}`,
        `  Starts:         ${formatUtc(event.startsAt)}`,
        `  Duration:       ${minutes} minutes`,
        `  Lines:          ${event.ports}`,
        '',
        `Booking reference: ${event.orderId}`,
      ].join('\n') + SIGNATURE,
  };
}

/**
 * The invoice of a period, with its PDF attached: the one the event points to, which must be on
 * billing's API (`billingUrl`); events from before documents travelled by reference point to
 * nothing, and their PDF is at billing's usual place for it.
 */
export function invoiceEmail(event: InvoiceIssued, billingUrl: string): MailContent {
  const document = event.document ?? {
    url: `${billingUrl}/v1/invoices/${event.invoiceId}/pdf`,
    sha256: null,
    mediaType: 'application/pdf',
  };
  if (!URL.canParse(document.url) || new URL(document.url).origin !== new URL(billingUrl).origin) {
    throw new UntrustedDocumentError(event.invoiceId, document.url, billingUrl);
  }
  return {
    subject: `Invoice ${event.invoiceNumber} for ${event.period}`,
    text:
      [
        'Hello,',
        '',
        `please find attached invoice ${event.invoiceNumber} for the period ${event.period}.`,
        '',
        `  Total:    ${formatMoney(event.total)}`,
        `  Due date: ${formatDate(event.dueDate)}`,
      ].join('\n') + SIGNATURE,
    // A number such as INV/2026/7 must not put a path separator into the file name.
    attachment: {
      fileName: `invoice-${event.invoiceNumber.replace(/[^\w.-]+/g, '-')}.pdf`,
      url: document.url,
      sha256: document.sha256,
      mediaType: document.mediaType,
    },
  };
}
