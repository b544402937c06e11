import { describe, expect, it } from 'vitest';
import { bookingConfirmation, invoiceEmail } from './messages.ts';

const meta = {
  eventId: crypto.randomUUID(),
  occurredAt: 0,
  producer: 'x',
  correlationId: 'c',
  causationId: null,
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
  it('names the number and the period, shows the total and due date, and attaches the PDF', () => {
    const pdf = Buffer.from('%PDF-1.7 test');
    const mail = invoiceEmail({
      meta,
      customerId: crypto.randomUUID(),
      invoiceId: crypto.randomUUID(),
      invoiceNumber: 'INV-2026-000042',
      period: '2026-11',
      issuedAt: 0,
      dueDate: '2026-12-15',
      total: { amountMinor: 1_234_567, currency: 'BHD' },
      lineCount: 3,
      pdf,
    });
    expect(mail.subject).toBe('Invoice INV-2026-000042 for 2026-11');
    expect(mail.text).toContain('Total:    BHD\u00a01,234.567');
    expect(mail.text).toContain('Due date: 15 December 2026');
    expect(mail.attachment?.fileName).toBe('invoice-INV-2026-000042.pdf');
    expect(mail.attachment?.content.equals(pdf)).toBe(true);
  });

  it('keeps path separators out of the attachment’s name', () => {
    const mail = invoiceEmail({
      meta,
      customerId: crypto.randomUUID(),
      invoiceId: crypto.randomUUID(),
      invoiceNumber: 'INV/2026/7',
      period: '2026-11',
      issuedAt: 0,
      dueDate: '2026-12-15',
      total: { amountMinor: 0, currency: 'EUR' },
      lineCount: 0,
      pdf: Buffer.alloc(0),
    });
    expect(mail.attachment?.fileName).toBe('invoice-INV-2026-7.pdf');
  });
});
