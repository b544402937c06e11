import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import {
  createTestDatabase,
  createTestTopics,
  stackEndpoints,
  startTestService,
  type TestService,
  type TestTopics,
  testMeta,
  waitFor,
} from '@switchboard/testing';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billing } from '../src/billing.service.ts';

const MINUTE = 60_000;
const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

function customerRegistered(customerId: string): EventOf<'crm.customer-registered.v1'> {
  return {
    meta: testMeta('crm'),
    customerId,
    name: 'Muster GmbH',
    email: `billing-${customerId}@muster.example`,
    phone: null,
    address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', region: null, country: 'DE' },
    segment: 'SMALL_BUSINESS',
    marketingConsent: false,
  };
}

function ratesChanged(
  customerId: string,
  version: number,
  effectiveFrom: number,
  perParticipantMinute = 12,
): EventOf<'crm.contract-rates-changed.v1'> {
  return {
    meta: testMeta('crm'),
    customerId,
    contractId: '00000000-0000-4000-8000-00000000c0de',
    version,
    currency: 'EUR',
    perParticipantMinute: eur(perParticipantMinute),
    tollFreeSurchargePerMinute: eur(5),
    recordingPerMinute: eur(2),
    minimumChargePerCall: eur(100),
    effectiveFrom,
  };
}

/**
 * A call of three connections: A 10 min 1 s (→ 11 min), B toll-free 4 min (→ 4 min), and A again
 * for 30 s (summed with A's first connection: 10:31 → 11 min). Recording 125 s (→ 3 min).
 * By hand with rates 12/5/2 per minute: participants (11 + 4) × 12 = 180, toll-free 4 × 5 = 20,
 * recording 3 × 2 = 6 → 206 cents, above the 100-cent minimum.
 */
function callCompleted(customerId: string, startedAt: number): EventOf<'conference.call-completed.v1'> {
  return {
    meta: testMeta('conference-bridge'),
    callId: randomUUID(),
    bridgeCallId: null,
    customerId,
    orderId: null,
    reservationId: null,
    bridgeId: 'bridge-1',
    startedAt,
    endedAt: startedAt + 20 * MINUTE,
    participants: [
      {
        participantId: 'a',
        callerNumber: null,
        tollFree: false,
        joinedAt: startedAt,
        leftAt: startedAt + 10 * MINUTE + 1000,
      },
      {
        participantId: 'b',
        callerNumber: null,
        tollFree: true,
        joinedAt: startedAt,
        leftAt: startedAt + 4 * MINUTE,
      },
      {
        participantId: 'a',
        callerNumber: null,
        tollFree: false,
        joinedAt: startedAt + 12 * MINUTE,
        leftAt: startedAt + 12 * MINUTE + 30_000,
      },
    ],
    recordingSeconds: 125,
  };
}

interface InvoiceSummary {
  id: string;
  number: string | null;
  status: string;
  period: string;
  total: { amountMinor: number; currency: string };
  callCount: number;
  dueDate: string | null;
}

describe.each(['pglite', 'postgres'] as const)('billing on %s', (database) => {
  let topics: TestTopics;
  let service: TestService;
  let dropDatabase: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    topics = await createTestTopics();
    let databaseUrl: string | undefined;
    if (database === 'postgres') {
      const db = await createTestDatabase(stackEndpoints().postgresUrl, 'billing');
      databaseUrl = db.url;
      dropDatabase = () => db.drop();
    }
    service = await startTestService(billing, {
      topics,
      ...(databaseUrl ? { databaseUrl } : {}),
      config: { unratedAfterMinutes: 0, invoiceDueDays: 14, invoiceNumberPrefix: 'INV' },
    });
    expect(service.running.database.kind).toBe(database);
  });

  afterAll(async () => {
    await service?.stop();
    await dropDatabase?.();
    await topics?.cleanup();
  });

  const chargesOf = (callId: string) =>
    topics
      .read('billing.call-charged.v1', (es) => es.some((e) => e.callId === callId))
      .then((es) => es.filter((e) => e.callId === callId));

  const invoicesOf = async (customerId: string): Promise<InvoiceSummary[]> =>
    (
      (await (await service.request(`/v1/invoices?customerId=${customerId}`)).json()) as {
        items: InvoiceSummary[];
      }
    ).items;

  it('rates a call with the contract rates, adds it to the open invoice and publishes the charge', async () => {
    const customerId = randomUUID();
    const startedAt = Date.parse('2026-11-10T09:00:00Z');
    await topics.publish('crm.customer-registered.v1', customerRegistered(customerId));
    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    const rates = await waitFor(
      async () => {
        const response = await service.request(`/v1/customers/${customerId}/rates`);
        return response.status === 200 ? ((await response.json()) as Record<string, unknown>) : undefined;
      },
      { description: 'billing knows the rates' },
    );
    expect(rates).toMatchObject({
      version: 1,
      perParticipantMinute: eur(12),
      minimumChargePerCall: eur(100),
    });
    expect(Date.parse(rates.updatedAt as string)).toBeGreaterThan(Date.now() - MINUTE);

    const call = callCompleted(customerId, startedAt);
    await topics.publish('conference.call-completed.v1', call);
    const [charged] = await chargesOf(call.callId);
    expect(charged).toMatchObject({
      customerId,
      period: '2026-11',
      ratesVersion: 1,
      total: eur(206),
      periodChargesToDate: eur(206),
      periodCallCount: 1,
      meta: { producer: 'billing', correlationId: call.meta.correlationId, causationId: call.meta.eventId },
    });
    expect(charged?.lines.map((l) => [l.kind, l.quantity, l.amount.amountMinor])).toEqual([
      ['PARTICIPANT_MINUTES', 15, 180],
      ['TOLL_FREE_SURCHARGE', 4, 20],
      ['RECORDING', 3, 6],
    ]);

    const [invoice] = await invoicesOf(customerId);
    expect(invoice).toMatchObject({
      status: 'OPEN',
      period: '2026-11',
      total: eur(206),
      callCount: 1,
      number: null,
    });
    const detail = (await (await service.request(`/v1/invoices/${invoice?.id}`)).json()) as {
      calls: { callId: string; lines: unknown[] }[];
    };
    expect(detail.calls.map((c) => c.callId)).toEqual([call.callId]);
    expect((await service.request(`/v1/invoices/${invoice?.id}/pdf`)).status).toBe(409);
  });

  it('holds a call whose rates are unknown, lists it for review, and rates it when they arrive', async () => {
    const customerId = randomUUID();
    const call = callCompleted(customerId, Date.parse('2026-11-11T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', call);
    const listed = await waitFor(
      async () => {
        const page = (await (await service.request('/v1/calls/unrated?limit=100')).json()) as {
          items: { callId: string; customerId: string }[];
        };
        return page.items.find((c) => c.callId === call.callId);
      },
      { description: 'the call is listed as unrated' },
    );
    expect(listed).toMatchObject({ customerId });

    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    const [charged] = await chargesOf(call.callId);
    expect(charged).toMatchObject({ total: eur(206), ratesVersion: 1 });
    const page = (await (await service.request('/v1/calls/unrated?limit=100')).json()) as {
      items: { callId: string }[];
    };
    expect(page.items.map((c) => c.callId)).not.toContain(call.callId);
  });

  it('charges a call once, however often its event comes', async () => {
    const customerId = randomUUID();
    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    const call = callCompleted(customerId, Date.parse('2026-11-12T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', call); // first delivery
    await topics.publish('conference.call-completed.v1', call); // redelivered: same event id
    await topics.publish('conference.call-completed.v1', { ...call, meta: testMeta('conference-bridge') }); // republished
    const marker = callCompleted(customerId, Date.parse('2026-11-13T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', marker);
    await chargesOf(marker.callId);
    expect(await chargesOf(call.callId)).toHaveLength(1);
    const [invoice] = await invoicesOf(customerId);
    expect(invoice).toMatchObject({ callCount: 2, total: eur(412) });
  });

  it('rates each call with the rates in effect when it started, when they change mid-month', async () => {
    const customerId = randomUUID();
    const change = Date.parse('2026-11-15T00:00:00Z');
    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    await topics.publish('crm.contract-rates-changed.v1', ratesChanged(customerId, 2, change, 20));
    // A call is rated with the newest rates billing knows that were in effect at its start.
    await waitFor(
      async () => {
        const response = await service.request(`/v1/customers/${customerId}/rates`);
        return response.status === 200 && ((await response.json()) as { version: number }).version === 2
          ? true
          : undefined;
      },
      { description: 'billing knows version 2' },
    );
    const before = callCompleted(customerId, change - 30 * MINUTE);
    const after = callCompleted(customerId, change + 30 * MINUTE);
    await topics.publish('conference.call-completed.v1', before);
    await topics.publish('conference.call-completed.v1', after);
    const [first] = await chargesOf(before.callId);
    const [second] = await chargesOf(after.callId);
    expect(first).toMatchObject({ ratesVersion: 1, total: eur(206) });
    // (11 + 4) × 20 = 300, + 20 + 6 = 326
    expect(second).toMatchObject({ ratesVersion: 2, total: eur(326) });
  });

  it('closes a period: numbered invoices with PDF and due date, gap-free, and late charges on a new invoice', async () => {
    const customerId = randomUUID();
    await topics.publish('crm.customer-registered.v1', customerRegistered(customerId));
    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    const call = callCompleted(customerId, Date.parse('2026-10-05T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', call);
    await chargesOf(call.callId);

    const closed = await service.request('/v1/billing-periods/2026-10/close', { method: 'POST' });
    expect(closed.status).toBe(200);
    const body = (await closed.json()) as { invoicesIssued: number; invoices: InvoiceSummary[] };
    const invoice = body.invoices.find((i) => i.total.amountMinor === 206);
    expect(invoice).toMatchObject({ status: 'ISSUED', period: '2026-10', callCount: 1 });
    expect(invoice?.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(invoice?.dueDate).toBe(new Date(Date.now() + 14 * 24 * 60 * MINUTE).toISOString().slice(0, 10));

    const issued = await topics.read('billing.invoice-issued.v1', (es) =>
      es.some((e) => e.invoiceId === invoice?.id),
    );
    const event = issued.find((e) => e.invoiceId === invoice?.id);
    expect(event).toMatchObject({
      customerId,
      invoiceNumber: invoice?.number,
      total: eur(206),
      lineCount: 3,
    });

    const pdf = await service.request(`/v1/invoices/${invoice?.id}/pdf`);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = new Uint8Array(await pdf.arrayBuffer());
    expect(Buffer.from(event?.pdf ?? []).equals(Buffer.from(bytes))).toBe(true);
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true });
    expect(text).toContain(invoice?.number);
    expect(text).toContain('Muster GmbH');
    expect(text).toContain('2.06');

    // Closed again: nothing left to issue. A late call of the period opens a new invoice.
    const again = (await (
      await service.request('/v1/billing-periods/2026-10/close', { method: 'POST' })
    ).json()) as {
      invoicesIssued: number;
    };
    expect(again.invoicesIssued).toBe(0);
    const late = callCompleted(customerId, Date.parse('2026-10-30T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', late);
    await chargesOf(late.callId);
    const second = (await (
      await service.request('/v1/billing-periods/2026-10/close', { method: 'POST' })
    ).json()) as {
      invoices: InvoiceSummary[];
    };
    const lateInvoice = second.invoices.find((i) => i.id !== invoice?.id);
    const [prefix, year, sequence] = (invoice?.number ?? '').split('-');
    expect(lateInvoice?.number).toBe(`${prefix}-${year}-${String(Number(sequence) + 1).padStart(6, '0')}`);
    expect((await invoicesOf(customerId)).map((i) => i.status)).toEqual(['ISSUED', 'ISSUED']);
  });

  it('refuses to close a period that has not started or is not a month', async () => {
    const future = await service.request('/v1/billing-periods/2999-01/close', { method: 'POST' });
    expect(future.status).toBe(422);
    expect(((await future.json()) as { code: string }).code).toBe('PERIOD_NOT_STARTED');
    const bad = await service.request('/v1/billing-periods/2026-13/close', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('path.period');
    const missing = await service.request(`/v1/customers/${randomUUID()}/rates`);
    expect(missing.status).toBe(404);
  });
});
