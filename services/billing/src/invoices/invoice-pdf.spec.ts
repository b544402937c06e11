import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { addMoney, formatMoney } from '../rating/money.ts';
import { type ContractRates, rateCall } from '../rating/rating.ts';
import { type InvoiceDocument, renderInvoicePdf } from './invoice-pdf.ts';

const RATES: ContractRates = {
  version: 1,
  currency: 'EUR',
  perParticipantMinute: 12,
  tollFreeSurchargePerMinute: 5,
  recordingPerMinute: 3,
  minimumChargePerCall: 200,
  effectiveFrom: Date.parse('2026-01-01T00:00:00Z'),
};

/** The `index`th call of November 2026: one per hour, 10 + index minutes long, two participants. */
function ratedCall(index: number, rates = RATES): InvoiceDocument['calls'][number] {
  const startedAt = Date.parse('2026-11-02T08:00:00Z') + index * 3_600_000;
  const endedAt = startedAt + (10 + index) * 60_000;
  const callId = `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
  const charge = rateCall(
    {
      callId,
      startedAt,
      endedAt,
      participants: [
        { participantId: 'a', tollFree: false, joinedAt: startedAt, leftAt: endedAt },
        { participantId: 'b', tollFree: true, joinedAt: startedAt, leftAt: endedAt - 30_000 },
      ],
      recordingSeconds: index % 2 === 0 ? 0 : 90,
    },
    rates,
  );
  return { callId, startedAt, endedAt, lines: charge.lines, total: charge.total };
}

function invoiceOf(
  calls: InvoiceDocument['calls'],
  overrides: Partial<InvoiceDocument> = {},
): InvoiceDocument {
  const currency = overrides.currency ?? 'EUR';
  return {
    invoiceNumber: 'INV-2026-000042',
    period: '2026-11',
    issuedAt: Date.parse('2026-12-01T06:00:00Z'),
    dueDate: '2026-12-15',
    customer: {
      name: 'Müller & Söhne GmbH',
      address: {
        street: 'Hauptstraße 5\nHinterhaus',
        postalCode: '10115',
        city: 'Berlin',
        region: null,
        country: 'DE',
      },
    },
    customerId: '7d4c1a52-5f0e-4b8e-9a57-0e6f5b2c9d11',
    currency,
    calls,
    total: calls.reduce((sum, call) => addMoney(sum, call.total), { amountMinor: 0, currency }),
    ...overrides,
  };
}

async function pagesOf(pdf: Buffer): Promise<string[]> {
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { text } = await extractText(document, { mergePages: false });
  // Intl separates some currency codes from the amount with a no-break space.
  return text.map((page) => page.replace(/\s+/g, ' '));
}

describe('renderInvoicePdf', () => {
  it('shows the number, the customer, every call with its lines, and the total', async () => {
    const calls = [ratedCall(0), ratedCall(1), ratedCall(2)];
    const invoice = invoiceOf(calls);
    const pdf = await renderInvoicePdf(invoice);

    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = await pagesOf(pdf);
    expect(pages).toHaveLength(1);
    const [text = ''] = pages;
    expect(text).toContain('Switchboard');
    expect(text).toContain('INV-2026-000042');
    expect(text).toContain('Müller & Söhne GmbH');
    expect(text).toContain('Hauptstraße 5');
    expect(text).toContain('10115 Berlin');
    expect(text).toContain('Germany');
    expect(text).toContain('November 2026');
    expect(text).toContain('2026-12-01'); // issued
    expect(text).toContain('2026-12-15'); // due
    for (const call of calls) {
      expect(text).toContain(call.callId);
      expect(text).toContain(formatMoney(call.total));
    }
    // Call 1: 08:00 + 1 h, 11 minutes long.
    expect(text).toContain('Call started 2026-11-02 09:00 UTC, duration 0:11:00');
    expect(text).toContain('Participant minutes');
    expect(text).toContain('Toll-free surcharge');
    expect(text).toContain('Recording minutes');
    expect(text).toContain(`Invoice total ${formatMoney(invoice.total)}`);
    expect(text).toContain(`Please pay ${formatMoney(invoice.total)} by 2026-12-15`);
  });

  it('names the customer by id when billing does not know the name', async () => {
    const invoice = invoiceOf([ratedCall(0)], { customer: null });
    const [text = ''] = await pagesOf(await renderInvoicePdf(invoice));
    expect(text).toContain(`Customer ${invoice.customerId}`);
    expect(text).not.toContain('Müller');
  });

  it('writes characters Helvetica lacks without garbling the rest', async () => {
    const invoice = invoiceOf([ratedCall(0)], {
      customer: {
        name: 'Łódź Café Sp. z o.o.',
        address: {
          street: 'ul. Piotrkowska 1',
          postalCode: '90-001',
          city: 'Łódź',
          region: null,
          country: 'PL',
        },
      },
    });
    const [text = ''] = await pagesOf(await renderInvoicePdf(invoice));
    expect(text).toContain('?ódz Café Sp. z o.o.');
  });

  it('prints amounts in the invoice currency’s own decimals', async () => {
    const yen = { ...RATES, currency: 'JPY', perParticipantMinute: 15, minimumChargePerCall: 100 };
    const dinar = { ...RATES, currency: 'BHD', perParticipantMinute: 125, minimumChargePerCall: 500 };
    const yenInvoice = invoiceOf([ratedCall(3, yen)], { currency: 'JPY' });
    const dinarInvoice = invoiceOf([ratedCall(3, dinar)], { currency: 'BHD' });

    const [yenText = ''] = await pagesOf(await renderInvoicePdf(yenInvoice));
    expect(formatMoney(yenInvoice.total)).not.toContain('.');
    expect(yenText).toContain(`Invoice total ${formatMoney(yenInvoice.total)}`);

    const [dinarText = ''] = await pagesOf(await renderInvoicePdf(dinarInvoice));
    expect(dinarText).toContain(`Invoice total ${formatMoney(dinarInvoice.total).replace(/\s/g, ' ')}`);
    expect(dinarText).toMatch(/Invoice total BHD \d+\.\d{3}/);
  });

  it('continues on further pages when there are many calls, losing none', async () => {
    const calls = Array.from({ length: 120 }, (_, index) => ratedCall(index));
    const invoice = invoiceOf(calls);
    const pages = await pagesOf(await renderInvoicePdf(invoice));

    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((page, index) => {
      expect(page).toContain(`Page ${index + 1} of ${pages.length}`);
      expect(page).toContain('Description Quantity Unit price Amount');
    });
    const all = pages.join(' ');
    for (const call of calls) expect(all).toContain(call.callId);
    expect(pages.at(-1)).toContain(`Invoice total ${formatMoney(invoice.total)}`);
  });

  it('says so when the period had no calls', async () => {
    const [text = ''] = await pagesOf(await renderInvoicePdf(invoiceOf([])));
    expect(text).toContain('No calls in this period.');
    expect(text).toContain('Invoice total €0.00');
  });

  it('renders the same invoice to the same bytes', async () => {
    const invoice = invoiceOf([ratedCall(0), ratedCall(1)]);
    const first = await renderInvoicePdf(invoice);
    const second = await renderInvoicePdf(invoice);
    expect(first.equals(second)).toBe(true);
  });

  it('refuses an invoice whose total is not the sum of its calls', async () => {
    const invoice = invoiceOf([ratedCall(0), ratedCall(1)]);
    await expect(
      renderInvoicePdf({
        ...invoice,
        total: { ...invoice.total, amountMinor: invoice.total.amountMinor + 1 },
      }),
    ).rejects.toThrow(/total is not the sum of its calls/);
  });

  it('refuses a call in another currency than the invoice', async () => {
    const invoice = invoiceOf([ratedCall(0)]);
    await expect(renderInvoicePdf({ ...invoice, currency: 'JPY' })).rejects.toThrow(/priced in EUR/);
  });
});
