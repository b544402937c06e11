import type { CallCharged, InvoiceIssued } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import { type BillingSummaryState, toBillingSummary, withCharge, withInvoice } from './billing-summary.ts';

const CUSTOMER = '0b7e2c1e-4a52-4a53-9a4e-5d6f7a8b9c0d';
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });
const meta = (occurredAt: number) => ({
  eventId: crypto.randomUUID(),
  occurredAt,
  producer: 'billing',
  correlationId: crypto.randomUUID(),
  causationId: null,
  actor: null,
});

const charge = (period: string, callCount: number, toDate: number, occurredAt: number): CallCharged => ({
  meta: meta(occurredAt),
  customerId: CUSTOMER,
  chargeId: crypto.randomUUID(),
  callId: crypto.randomUUID(),
  invoiceId: crypto.randomUUID(),
  period,
  ratesVersion: 1,
  lines: [],
  total: eur(100),
  periodChargesToDate: eur(toDate),
  periodCallCount: callCount,
});

const invoice = (period: string, number: string, issuedAt: number): InvoiceIssued => ({
  meta: meta(issuedAt),
  customerId: CUSTOMER,
  invoiceId: crypto.randomUUID(),
  invoiceNumber: number,
  period,
  issuedAt,
  dueDate: '2026-06-14',
  total: eur(500),
  lineCount: 3,
  document: null,
});

type Event = { kind: 'charge'; event: CallCharged } | { kind: 'invoice'; event: InvoiceIssued };

function fold(events: readonly Event[]): BillingSummaryState | undefined {
  let state: BillingSummaryState | undefined;
  for (const e of events)
    state = e.kind === 'charge' ? withCharge(state, e.event) : withInvoice(state, e.event);
  return state;
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('the billing summary', () => {
  it('keeps the figures with the most calls of a period, and the time of the newest event', () => {
    const state = fold([
      { kind: 'charge', event: charge('2026-05', 2, 300, 2_000) },
      { kind: 'charge', event: charge('2026-05', 1, 100, 1_000) },
    ]);
    expect(state?.currentPeriod).toEqual({ period: '2026-05', chargesToDate: eur(300), callCount: 2 });
    expect(state?.updatedAt).toBe(2_000);
  });

  it('rolls over to a newer period and never back', () => {
    const state = fold([
      { kind: 'charge', event: charge('2026-05', 7, 900, 1_000) },
      { kind: 'charge', event: charge('2026-06', 1, 120, 3_000) },
      { kind: 'charge', event: charge('2026-05', 8, 1000, 2_000) },
    ]);
    expect(state?.currentPeriod).toEqual({ period: '2026-06', chargesToDate: eur(120), callCount: 1 });
    expect(state?.updatedAt).toBe(3_000);
  });

  it('keeps the invoice issued last, and marks its period invoiced', () => {
    const state = fold([
      { kind: 'charge', event: charge('2026-05', 2, 300, 1_000) },
      { kind: 'invoice', event: invoice('2026-05', 'INV-2', 5_000) },
      { kind: 'invoice', event: invoice('2026-04', 'INV-1', 4_000) },
    ]);
    const summary = toBillingSummary(state as BillingSummaryState);
    expect(summary.lastInvoice).toMatchObject({ number: 'INV-2', period: '2026-05' });
    expect(summary.currentPeriod).toEqual({
      period: '2026-05',
      chargesToDate: eur(300),
      callCount: 2,
      invoiced: true,
    });
    expect(summary.updatedAt).toBe(new Date(5_000).toISOString());
  });

  it('ends in the same summary whatever order the events arrive in, and however often', () => {
    const events: Event[] = [
      { kind: 'charge', event: charge('2026-05', 1, 100, 1_000) },
      { kind: 'charge', event: charge('2026-05', 2, 300, 2_000) },
      { kind: 'invoice', event: invoice('2026-05', 'INV-7', 3_000) },
      { kind: 'charge', event: charge('2026-06', 1, 150, 4_000) },
    ];
    const expected = fold(events);
    expect(expected?.currentPeriod?.period).toBe('2026-06');
    for (const order of permutations(events)) {
      expect(fold(order)).toEqual(expected);
      expect(fold([...order, ...order])).toEqual(expected);
    }
  });
});
