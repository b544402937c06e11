import { randomUUID } from 'node:crypto';
import type { CallCharged, InvoiceIssued } from '@switchboard/contracts';
import {
  describeOnEachDatabase,
  createTestTopics,
  startTestService,
  type TestService,
  type TestTopics,
  testMeta,
  waitFor,
} from '@switchboard/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { crm } from '../src/crm.definition.ts';

interface Money {
  amountMinor: number;
  currency: string;
}

interface Billing {
  currentPeriod: { period: string; chargesToDate: Money; callCount: number; invoiced: boolean } | null;
  lastInvoice: {
    invoiceId: string;
    number: string;
    period: string;
    total: Money;
    issuedAt: string;
    dueDate: string;
  } | null;
  updatedAt: string;
}

const eur = (amountMinor: number): Money => ({ amountMinor, currency: 'EUR' });
const iso = (epochMs: number): string => new Date(epochMs).toISOString();
const HOUR = 3_600_000;
/** Early May 2026: the events below happen in the hours after it. */
const T = Date.parse('2026-05-04T08:00:00Z');

/** A call charge as billing publishes it: the period's running totals include this call. */
function charged(
  customerId: string,
  period: string,
  periodCallCount: number,
  toDateMinor: number,
  occurredAt: number,
): CallCharged {
  return {
    meta: { ...testMeta('billing'), occurredAt },
    customerId,
    chargeId: randomUUID(),
    callId: randomUUID(),
    invoiceId: randomUUID(),
    period,
    ratesVersion: 1,
    lines: [{ kind: 'PARTICIPANT_MINUTES', quantity: 10, unitPrice: eur(12), amount: eur(120) }],
    total: eur(120),
    periodChargesToDate: eur(toDateMinor),
    periodCallCount,
  };
}

function issued(
  customerId: string,
  period: string,
  invoiceNumber: string,
  totalMinor: number,
  issuedAt: number,
): InvoiceIssued {
  return {
    meta: { ...testMeta('billing'), occurredAt: issuedAt },
    customerId,
    invoiceId: randomUUID(),
    invoiceNumber,
    period,
    issuedAt,
    dueDate: '2026-06-14',
    total: eur(totalMinor),
    lineCount: 2,
    document: {
      url: 'http://127.0.0.1:3002/v1/invoices/00000000-0000-4000-8000-000000000001/pdf',
      sha256: '0'.repeat(64),
      sizeBytes: 16,
      mediaType: 'application/pdf',
    },
  };
}

/** The same suite on PGlite (the default) and on a real PostgreSQL server (DATABASE_URL). */
describeOnEachDatabase('crm billing summary on %s', 'crm_billing', (database) => {
  let topics: TestTopics;
  let service: TestService;

  beforeAll(async () => {
    topics = await createTestTopics();
    service = await startTestService(crm, { topics, databaseUrl: database().url });
    expect(service.running.database.kind).toBe(database().kind);
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  const register = async (): Promise<string> => {
    const response = await service.request('/v1/customers', {
      body: {
        name: 'Muster GmbH',
        email: `billing+${randomUUID().slice(0, 8)}@muster.example`,
        address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
        segment: 'SMALL_BUSINESS',
      },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  };

  const billingOf = async (customerId: string): Promise<Billing | null> => {
    const response = await service.request(`/v1/customers/${customerId}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { billing: Billing | null }).billing;
  };

  /** The billing summary, once it satisfies `shows`. */
  const shown = (customerId: string, shows: (billing: Billing) => boolean, description: string) =>
    waitFor(
      async () => {
        const billing = await billingOf(customerId);
        return billing && shows(billing) ? billing : undefined;
      },
      { description, timeoutMs: 30_000 },
    );

  /**
   * Waits until crm has handled the event (its id is in the inbox), for events that must change
   * nothing. Events of one customer share a partition and are handled in publishing order.
   */
  const handled = (eventId: string) =>
    waitFor(
      async () => {
        const { rows } = await service.running.database.db.query(
          'SELECT 1 FROM messaging_inbox WHERE event_id = $1',
          [eventId],
        );
        return rows.length > 0 ? true : undefined;
      },
      { description: `crm to handle event ${eventId}`, timeoutMs: 30_000 },
    );

  it("shows the period's figures of the newest cumulative charge, whatever order the charges arrive in", async () => {
    const customerId = await register();
    expect(await billingOf(customerId)).toBeNull();

    const first = charged(customerId, '2026-05', 1, 120, T + HOUR);
    const second = charged(customerId, '2026-05', 2, 420, T + 2 * HOUR);
    await topics.publish('billing.call-charged.v1', second);
    await topics.publish('billing.call-charged.v1', first);
    await handled(first.meta.eventId);

    expect(await billingOf(customerId)).toEqual({
      currentPeriod: { period: '2026-05', chargesToDate: eur(420), callCount: 2, invoiced: false },
      lastInvoice: null,
      updatedAt: iso(T + 2 * HOUR),
    });
  });

  it("takes in a backlog of several customers' charges, out of order, to each one's newest figures", async () => {
    const customers = [await register(), await register(), await register()];
    // 25 charges each, interleaved, every customer's in reverse order, published at once.
    const charges = Array.from({ length: 25 }, (_, index) =>
      customers.map((customerId) =>
        charged(customerId, '2026-05', 25 - index, 120 * (25 - index), T + (25 - index) * HOUR),
      ),
    ).flat();
    await Promise.all(charges.map((charge) => topics.publish('billing.call-charged.v1', charge)));
    for (const charge of charges) await handled(charge.meta.eventId);

    for (const customerId of customers) {
      expect(await billingOf(customerId)).toEqual({
        currentPeriod: { period: '2026-05', chargesToDate: eur(120 * 25), callCount: 25, invoiced: false },
        lastInvoice: null,
        updatedAt: iso(T + 25 * HOUR),
      });
    }
  });

  it('takes a redelivered event once: the summary does not change', async () => {
    const customerId = await register();
    const charge = charged(customerId, '2026-05', 1, 120, T + HOUR);
    await topics.publish('billing.call-charged.v1', charge);
    const before = await shown(customerId, (b) => b.currentPeriod?.callCount === 1, 'the first charge');

    await topics.publish('billing.call-charged.v1', charge);
    // Published after the redelivery on the same partition: once it is handled, so is the redelivery.
    const stale = charged(customerId, '2026-05', 1, 120, T);
    await topics.publish('billing.call-charged.v1', stale);
    await handled(stale.meta.eventId);

    expect(await billingOf(customerId)).toEqual(before);
    expect(before.updatedAt).toBe(iso(T + HOUR));
  });

  it('shows the last invoice and keeps the invoiced period, and an older invoice arriving later replaces nothing', async () => {
    const customerId = await register();
    await topics.publish('billing.call-charged.v1', charged(customerId, '2026-05', 1, 120, T + HOUR));
    await topics.publish('billing.call-charged.v1', charged(customerId, '2026-05', 2, 420, T + 2 * HOUR));
    await shown(customerId, (b) => b.currentPeriod?.callCount === 2, 'the second charge');

    const may = issued(customerId, '2026-05', 'INV-2026-000042', 420, T + 30 * 24 * HOUR);
    await topics.publish('billing.invoice-issued.v1', may);
    const billing = await shown(customerId, (b) => b.lastInvoice !== null, 'the invoice');
    expect(billing).toEqual({
      currentPeriod: { period: '2026-05', chargesToDate: eur(420), callCount: 2, invoiced: true },
      lastInvoice: {
        invoiceId: may.invoiceId,
        number: 'INV-2026-000042',
        period: '2026-05',
        total: eur(420),
        issuedAt: iso(may.issuedAt),
        dueDate: '2026-06-14',
      },
      updatedAt: iso(may.meta.occurredAt),
    });

    const april = issued(customerId, '2026-04', 'INV-2026-000017', 999, T - 3 * 24 * HOUR);
    await topics.publish('billing.invoice-issued.v1', april);
    await handled(april.meta.eventId);
    const profile = await (await service.request(`/v1/customers/${customerId}`)).json();
    expect((profile as { billing: Billing }).billing).toEqual(billing);
    expect(JSON.stringify(profile)).not.toMatch(/pdf/i);
  });

  it("rolls the current period over with the next period's first charge, and never back", async () => {
    const customerId = await register();
    await topics.publish('billing.call-charged.v1', charged(customerId, '2026-05', 3, 600, T + HOUR));
    const may = issued(customerId, '2026-05', 'INV-2026-000043', 600, T + 30 * 24 * HOUR);
    await topics.publish('billing.invoice-issued.v1', may);
    await shown(
      customerId,
      (b) => b.currentPeriod?.invoiced === true && b.currentPeriod.callCount === 3,
      'May invoiced',
    );

    const june = charged(customerId, '2026-06', 1, 150, T + 31 * 24 * HOUR);
    await topics.publish('billing.call-charged.v1', june);
    const billing = await shown(customerId, (b) => b.currentPeriod?.period === '2026-06', 'June');
    expect(billing.currentPeriod).toEqual({
      period: '2026-06',
      chargesToDate: eur(150),
      callCount: 1,
      invoiced: false,
    });
    expect(billing.lastInvoice).toMatchObject({ invoiceId: may.invoiceId, period: '2026-05' });
    expect(billing.updatedAt).toBe(iso(june.meta.occurredAt));

    const lateMay = charged(customerId, '2026-05', 4, 720, T + 2 * HOUR);
    await topics.publish('billing.call-charged.v1', lateMay);
    await handled(lateMay.meta.eventId);
    expect(await billingOf(customerId)).toEqual(billing);
  });

  it('documents the billing summary on the customer in its OpenAPI document', async () => {
    const openapi = (await (await service.request('/docs/openapi.json')).json()) as {
      paths: Record<
        string,
        { get?: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }
      >;
    };
    const schema = openapi.paths['/v1/customers/{id}']?.get?.responses['200']?.content['application/json']
      ?.schema as { properties: Record<string, { properties?: Record<string, unknown> }> };
    expect(Object.keys(schema.properties.billing?.properties ?? {}).sort()).toEqual([
      'currentPeriod',
      'lastInvoice',
      'updatedAt',
    ]);
  });
});
