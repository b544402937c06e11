import type { BridgeReserved, InvoiceIssued } from '@switchboard/contracts';
import { formatDate, formatMoney, formatUtc } from './format.ts';

/** An email's content, before it is addressed. */
export interface MailContent {
  readonly subject: string;
  readonly text: string;
  readonly attachment?: { readonly fileName: string; readonly content: Buffer };
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

/** The invoice of a period, with its PDF attached. */
export function invoiceEmail(event: InvoiceIssued): MailContent {
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
      content: Buffer.from(event.pdf),
    },
  };
}
