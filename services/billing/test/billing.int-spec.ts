import { createHash, randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import {
  accessToken,
  createTestDatabase,
  describeOnEachDatabase,
  createTestTopics,
  stackEndpoints,
  startTestService,
  type TestService,
  type TestTopics,
  testMeta,
  waitFor,
} from '@switchboard/testing';
import pg from 'pg';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { billing } from '../src/billing.definition.ts';
import { seedChargedCalls } from './seed.ts';

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
  customerId: string;
  number: string | null;
  status: string;
  period: string;
  total: { amountMinor: number; currency: string };
  callCount: number;
  dueDate: string | null;
}

describeOnEachDatabase('billing on %s', 'billing', (database) => {
  let topics: TestTopics;
  let service: TestService;

  beforeAll(async () => {
    topics = await createTestTopics();
    service = await startTestService(billing, {
      topics,
      databaseUrl: database().url,
      config: { unratedAfterMinutes: 0, invoiceDueDays: 14, invoiceNumberPrefix: 'INV' },
    });
    expect(service.running.database.kind).toBe(database().kind);
  });

  afterAll(async () => {
    await service?.stop();
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

  it("charges a backlog of several customers' calls once each, every charge with the period's totals up to it", async () => {
    const customers = Array.from({ length: 4 }, () => randomUUID());
    for (const customerId of customers) {
      await topics.publish('crm.customer-registered.v1', customerRegistered(customerId));
      await topics.publish(
        'crm.contract-rates-changed.v1',
        ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
      );
    }
    for (const customerId of customers) {
      await waitFor(
        async () =>
          (await service.request(`/v1/customers/${customerId}/rates`)).status === 200 ? true : undefined,
        { description: 'billing knows the rates' },
      );
    }
    // 30 calls each, interleaved, published at once: they reach billing in batches.
    const calls = Array.from({ length: 30 }, (_, index) =>
      customers.map((customerId) =>
        callCompleted(customerId, Date.parse('2026-11-02T08:00:00Z') + index * MINUTE),
      ),
    ).flat();
    await Promise.all(calls.map((call) => topics.publish('conference.call-completed.v1', call)));

    const ids = new Set(calls.map((call) => call.callId));
    const charges = (
      await topics.read(
        'billing.call-charged.v1',
        (es) => es.filter((e) => ids.has(e.callId)).length >= ids.size,
      )
    ).filter((e) => ids.has(e.callId));
    expect(charges.map((c) => c.callId).sort()).toEqual([...ids].sort());
    for (const customerId of customers) {
      const own = charges.filter((c) => c.customerId === customerId);
      expect(own.map((c) => c.periodCallCount).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 30 }, (_, index) => index + 1),
      );
      for (const charge of own) {
        expect(charge).toMatchObject({
          total: eur(206),
          periodChargesToDate: eur(206 * charge.periodCallCount),
        });
      }
      expect(new Set(own.map((c) => c.invoiceId)).size).toBe(1);
      expect(await invoicesOf(customerId)).toMatchObject([
        { status: 'OPEN', callCount: 30, total: eur(206 * 30) },
      ]);
    }
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
    expect(listed).toMatchObject({
      customerId,
      reason: 'waiting for contract rates in effect when it started',
    });

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

  it('holds a call it cannot rate with its reason, goes on with the customer, and rates it with the next rates', async () => {
    const customerId = randomUUID();
    const from = Date.parse('2026-01-01T00:00:00Z');
    type Unrated = { callId: string; customerId: string; reason: string };
    const unrated = async (): Promise<Unrated[]> =>
      ((await (await service.request('/v1/calls/unrated?limit=100')).json()) as { items: Unrated[] }).items;
    // A collector reported a recording of 285 million years: at 1 EUR a minute, beyond any amount.
    const impossible = {
      ...callCompleted(customerId, Date.parse('2026-11-11T09:00:00Z')),
      recordingSeconds: 9_000_000_000_000_000,
    };
    await topics.publish('conference.call-completed.v1', impossible);
    await topics.publish('crm.contract-rates-changed.v1', {
      ...ratesChanged(customerId, 1, from),
      recordingPerMinute: eur(100),
    });
    const next = callCompleted(customerId, Date.parse('2026-11-12T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', next);

    // The rates and the customer's next call are applied: (11 + 4) × 12 + 4 × 5 + 3 × 100 = 500.
    const [charged] = await chargesOf(next.callId);
    expect(charged).toMatchObject({ ratesVersion: 1, total: eur(500), periodCallCount: 1 });
    const rates = (await (await service.request(`/v1/customers/${customerId}/rates`)).json()) as {
      version: number;
    };
    expect(rates.version).toBe(1);
    const held = (await unrated()).find((c) => c.callId === impossible.callId);
    expect(held).toMatchObject({ customerId });
    expect(held?.reason).toMatch(/^cannot rate it with rates version 1: .*must be a safe integer/);

    // Corrected rates (recording waived) rate the held call; it leaves the review list.
    await topics.publish('crm.contract-rates-changed.v1', {
      ...ratesChanged(customerId, 2, from),
      recordingPerMinute: eur(0),
    });
    const [rated] = await chargesOf(impossible.callId);
    expect(rated).toMatchObject({ ratesVersion: 2, total: eur(200), periodCallCount: 2 });
    expect((await unrated()).map((c) => c.callId)).not.toContain(impossible.callId);
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

  it("closes one customer's period: a numbered invoice with due date, its PDF by reference, and late charges on a new invoice", async () => {
    const customerId = randomUUID();
    await topics.publish('crm.customer-registered.v1', customerRegistered(customerId));
    await topics.publish(
      'crm.contract-rates-changed.v1',
      ratesChanged(customerId, 1, Date.parse('2026-01-01T00:00:00Z')),
    );
    const call = callCompleted(customerId, Date.parse('2026-10-05T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', call);
    await chargesOf(call.callId);

    const close = await closed(service, '2026-10', { customerId });
    expect(close).toMatchObject({ period: '2026-10', customerId, invoicesIssued: 1, invoicesRemaining: 0 });
    const [invoice, ...more] = await issuedBy(service, close.id);
    expect(more).toEqual([]);
    expect(invoice).toMatchObject({ status: 'ISSUED', period: '2026-10', callCount: 1, total: eur(206) });
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
      document: { url: `${service.url}/v1/invoices/${invoice?.id}/pdf`, mediaType: 'application/pdf' },
    });

    // The event points to the PDF: billing serves it there, with the SHA-256 the event gives.
    const pdf = await fetch(event?.document?.url ?? '', {
      headers: { Authorization: `Bearer ${await accessToken(['billing.invoices:read'])}` },
    });
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await pdf.arrayBuffer());
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(event?.document).toMatchObject({ sha256, sizeBytes: bytes.length });
    expect(pdf.headers.get('etag')).toBe(`"${sha256}"`);
    expect(pdf.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
    const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
    expect(text).toContain(invoice?.number);
    expect(text).toContain('Muster GmbH');
    expect(text).toContain('2.06');

    // Closed again: nothing left to issue. A late call of the period opens a new invoice.
    expect(await closed(service, '2026-10', { customerId })).toMatchObject({ invoicesIssued: 0 });
    const late = callCompleted(customerId, Date.parse('2026-10-30T09:00:00Z'));
    await topics.publish('conference.call-completed.v1', late);
    // The period's totals count the issued invoice's call and the late one.
    const [lateCharge] = await chargesOf(late.callId);
    expect(lateCharge).toMatchObject({ total: eur(206), periodChargesToDate: eur(412), periodCallCount: 2 });
    const [lateInvoice] = await issuedBy(service, (await closed(service, '2026-10', { customerId })).id);
    const [prefix, year, sequence] = (invoice?.number ?? '').split('-');
    expect(lateInvoice?.number).toBe(`${prefix}-${year}-${String(Number(sequence) + 1).padStart(6, '0')}`);
    expect((await invoicesOf(customerId)).map((i) => i.status)).toEqual(['ISSUED', 'ISSUED']);
  });

  it('closes only the customer asked for, and the whole period when none is', async () => {
    const [one, other] = [randomUUID(), randomUUID()];
    await seedChargedCalls(service.running.database.db, {
      customerIds: [one, other],
      callsPerCustomer: 3,
      period: '2026-09',
    });
    const first = await closed(service, '2026-09', { customerId: one });
    expect((await issuedBy(service, first.id)).map((i) => i.customerId)).toEqual([one]);
    expect((await invoicesOf(other)).map((i) => i.status)).toEqual(['OPEN']);
    const all = await closed(service, '2026-09');
    expect(all.customerId).toBeNull();
    expect((await issuedBy(service, all.id)).map((i) => i.customerId)).toContain(other);
    expect((await invoicesOf(other)).map((i) => i.status)).toEqual(['ISSUED']);
  });

  it('answers while a close runs, so its progress can be followed invoice by invoice', async () => {
    const customerIds = Array.from({ length: 30 }, () => randomUUID());
    await seedChargedCalls(service.running.database.db, {
      customerIds,
      callsPerCustomer: 200,
      period: '2026-07',
    });
    const response = await service.request('/v1/billing-periods/2026-07/close', { method: 'POST', body: {} });
    const location = response.headers.get('location') ?? '';
    const seen: { status: string; invoicesIssued: number }[] = [];
    await waitFor(
      async () => {
        const close = (await (await service.request(location)).json()) as PeriodClose;
        seen.push(close);
        return close.status === 'COMPLETED' ? true : undefined;
      },
      { description: 'the close to complete', timeoutMs: 120_000, intervalMs: 50 },
    );
    expect(seen.at(-1)).toMatchObject({ status: 'COMPLETED', invoicesIssued: 30 });
    // Seen midway: billing answered between two invoices, not only once it had issued them all.
    expect(seen.some((c) => c.status === 'RUNNING' && c.invoicesIssued > 0 && c.invoicesIssued < 30)).toBe(
      true,
    );
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
    const unknown = await service.request(`/v1/billing-periods/2026-10/closes/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('PERIOD_CLOSE_NOT_FOUND');
    const stranger = await service.request('/v1/billing-periods/2026-10/close', {
      body: { customerId: 'x' },
    });
    expect(stranger.status).toBe(400);
  });
});

/** Asks for a close and waits until it is COMPLETED; answers it as it then is. */
async function closed(
  service: TestService,
  period: string,
  body: { customerId?: string } = {},
): Promise<PeriodClose> {
  const response = await service.request(`/v1/billing-periods/${period}/close`, { method: 'POST', body });
  expect(response.status).toBe(202);
  const location = response.headers.get('location') ?? '';
  const running = (await response.json()) as PeriodClose;
  expect(location).toBe(`/v1/billing-periods/${period}/closes/${running.id}`);
  return waitFor(
    async () => {
      const close = (await (await service.request(location)).json()) as PeriodClose;
      return close.status === 'COMPLETED' ? close : undefined;
    },
    { description: `the close of ${period} to complete`, timeoutMs: 120_000 },
  );
}

/** Every invoice a close issued, in the order they were opened. */
async function issuedBy(service: TestService, closeId: string): Promise<InvoiceSummary[]> {
  const invoices: InvoiceSummary[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (
      await service.request(`/v1/invoices?closeId=${closeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
    ).json()) as { items: InvoiceSummary[]; nextCursor: string | null };
    invoices.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return invoices;
}

interface PeriodClose {
  id: string;
  period: string;
  customerId: string | null;
  status: 'RUNNING' | 'COMPLETED';
  invoicesIssued: number;
  invoicesRemaining: number;
}

describe('a period close stopped midway', () => {
  let topics: TestTopics;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    topics = await createTestTopics();
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'billing_close');
  });

  afterAll(async () => {
    await database?.drop();
    await topics?.cleanup();
  });

  it('goes on when billing starts again, issuing each invoice once and numbering them without a gap', async () => {
    const start = () =>
      startTestService(billing, {
        topics,
        databaseUrl: database.url,
        config: { unratedAfterMinutes: 0, invoiceDueDays: 14, invoiceNumberPrefix: 'INV' },
      });
    let service = await start();
    let running = true;
    onTestFinished(async () => {
      if (running) await service.stop();
    });
    const customerIds = Array.from({ length: 40 }, () => randomUUID());
    await seedChargedCalls(service.running.database.db, {
      customerIds,
      callsPerCustomer: 20,
      period: '2026-08',
    });
    const response = await service.request('/v1/billing-periods/2026-08/close', { method: 'POST', body: {} });
    const { id } = (await response.json()) as PeriodClose;
    await waitFor(
      async () => {
        const close = (await (
          await service.request(`/v1/billing-periods/2026-08/closes/${id}`)
        ).json()) as PeriodClose;
        return close.invoicesIssued >= 5 ? true : undefined;
      },
      { description: 'a few invoices issued' },
    );
    await service.stop(); // as a deployment stops it, midway through the close
    running = false;
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices WHERE status = 'ISSUED'`,
    );
    await client.end();
    expect(rows[0]?.n).toBeGreaterThanOrEqual(5);
    expect(rows[0]?.n).toBeLessThan(40);

    service = await start();
    running = true;
    const close = await waitFor(
      async () => {
        const c = (await (
          await service.request(`/v1/billing-periods/2026-08/closes/${id}`)
        ).json()) as PeriodClose;
        return c.status === 'COMPLETED' ? c : undefined;
      },
      { description: 'the close to complete after the restart', timeoutMs: 120_000 },
    );
    expect(close).toMatchObject({ invoicesIssued: 40, invoicesRemaining: 0 });
    const invoices = await issuedBy(service, id);
    expect(invoices.map((i) => i.customerId).sort()).toEqual([...customerIds].sort());
    const sequences = invoices.map((i) => Number(i.number?.split('-')[2])).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 40 }, (_, i) => (sequences[0] ?? 0) + i));
    const events = await topics.read('billing.invoice-issued.v1', (es) =>
      customerIds.every((c) => es.some((e) => e.customerId === c)),
    );
    expect(new Set(events.map((e) => e.invoiceId)).size).toBe(40);
    expect(new Set(events.map((e) => e.invoiceNumber)).size).toBe(40);
  });
});

describe('closing ended periods by themselves (AUTO_CLOSE_AFTER_HOURS)', () => {
  let topics: TestTopics;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;

  beforeAll(async () => {
    topics = await createTestTopics();
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'billing_auto_close');
  });

  afterAll(async () => {
    await database?.drop();
    await topics?.cleanup();
  });

  it('issues an ended month with two replicas running, asking for its close once', async () => {
    const start = (autoCloseAfterHours?: number) =>
      startTestService(billing, {
        topics,
        databaseUrl: database.url,
        config: {
          unratedAfterMinutes: 0,
          invoiceDueDays: 14,
          invoiceNumberPrefix: 'INV',
          autoCloseAfterHours,
        },
      });
    // The month's open invoices are there before any replica looks for ended periods.
    const seeding = await start();
    const customerIds = Array.from({ length: 6 }, () => randomUUID());
    await seedChargedCalls(seeding.running.database.db, {
      customerIds,
      callsPerCustomer: 3,
      period: '2026-06',
    });
    await seeding.stop();

    const replicas = await Promise.all([start(0), start(0)]);
    onTestFinished(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
    });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    onTestFinished(() => client.end());
    const closes = await waitFor(
      async () => {
        const { rows } = await client.query<{ status: string }>(
          `SELECT status FROM period_closes WHERE period = '2026-06'`,
        );
        return rows.length > 0 && rows.every((r) => r.status === 'COMPLETED') ? rows : undefined;
      },
      { description: 'the ended month closed', timeoutMs: 60_000 },
    );
    const { rows: issued } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices WHERE period = '2026-06' AND status = 'ISSUED'`,
    );
    expect(issued[0]?.n).toBe(customerIds.length);
    expect(closes).toEqual([{ status: 'COMPLETED' }]);
  });
});
