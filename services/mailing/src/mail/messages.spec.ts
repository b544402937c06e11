import type { InvoiceIssued } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import { UntrustedDocumentError } from './mail.errors.ts';
import { bookingConfirmation, invoiceEmail } from './messages.ts';

const meta = {
  eventId: crypto.randomUUID(),
  occurredAt: 0,
  producer: 'x',
  correlationId: 'c',
  causationId: null,
  actor: null,
};

describe('bookingConfirmation', () => {
  it('gives the dial-in number, the access code and the start in UTC', () => {
    const startsAt = Date.parse('2026-12-01T09:00:00Z');
    const mail = bookingConfirmation({
      meta,
      orderId: crypto.randomUUID(),
      reservationId: crypto.randomUUID(),
      customerId: crypto.randomUUID(),
      bridgeId: 'bridge-1',
      dialInNumber: '+49 30 5550100',
      accessCode: '48213377',
      startsAt,
      endsAt: startsAt + 90 * 60_000,
      ports: 12,
    });
    expect(mail.subject).toBe('Your conference on Tuesday, 1 December 2026 at 09:00 UTC: dial-in details');
    expect(mail.text).toContain('Dial-in number: +49 30 5550100');
    expect(mail.text).toContain('Access code:    48213377');
    expect(mail.text).toContain('Starts:         Tuesday, 1 December 2026 at 09:00 UTC');
    expect(mail.text).toContain('Duration:       90 minutes');
    expect(mail.attachment).toBeUndefined();
  });
});

describe('invoiceEmail', () => {
  const BILLING = 'http://127.0.0.1:3002';
  const invoice = (overrides: Partial<InvoiceIssued> = {}): InvoiceIssued => {
    const invoiceId = crypto.randomUUID();
    return {
      meta,
      customerId: crypto.randomUUID(),
      invoiceId,
      invoiceNumber: 'INV-2026-000042',
      period: '2026-11',
      issuedAt: 0,
      dueDate: '2026-12-15',
      total: { amountMinor: 1_234_567, currency: 'BHD' },
      lineCount: 3,
      document: {
        url: `${BILLING}/v1/invoices/${invoiceId}/pdf`,
        sha256: 'ab'.repeat(32),
        sizeBytes: 1234,
        mediaType: 'application/pdf',
      },
      ...overrides,
    };
  };

  it('names the invoice, its total in the currency’s minor units, its due date, and attaches the PDF it points to', () => {
    const event = invoice();
    const mail = invoiceEmail(event, BILLING);
    expect(mail.subject).toBe('Invoice INV-2026-000042 for 2026-11');
    expect(mail.text).toContain('Total:    BHD\u00a01,234.567');
    expect(mail.text).toContain('Due date: 15 December 2026');
    expect(mail.attachment).toEqual({
      fileName: 'invoice-INV-2026-000042.pdf',
      url: event.document?.url,
      sha256: 'ab'.repeat(32),
      mediaType: 'application/pdf',
    });
  });

  it('keeps path separators out of the attachment’s name', () => {
    const mail = invoiceEmail(invoice({ invoiceNumber: 'INV/2026/7' }), BILLING);
    expect(mail.attachment?.fileName).toBe('invoice-INV-2026-7.pdf');
  });

  it("takes an older event's PDF from billing's usual place for it, with nothing to check it against", () => {
    const event = invoice({ document: null });
    expect(invoiceEmail(event, BILLING).attachment).toMatchObject({
      url: `${BILLING}/v1/invoices/${event.invoiceId}/pdf`,
      sha256: null,
    });
  });

  it('refuses a PDF anywhere but on billing’s API', () => {
    const event = invoice();
    const elsewhere = { ...event, document: { ...event.document!, url: 'http://attacker.example/x.pdf' } };
    expect(() => invoiceEmail(elsewhere, BILLING)).toThrow(UntrustedDocumentError);
    expect(() => invoiceEmail(elsewhere, BILLING)).toThrow(
      /outside billing's API at http:\/\/127\.0\.0\.1:3002/,
    );
  });
});
