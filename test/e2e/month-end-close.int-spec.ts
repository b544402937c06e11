import { createHash, randomUUID } from 'node:crypto';
import { MAX_EVENT_BYTES } from '@switchboard/contracts';
import { postgresDatabase } from '@switchboard/database';
import {
  createTestDatabase,
  MailReader,
  stackEndpoints,
  type TestDatabase,
  waitFor,
} from '@switchboard/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedChargedCalls } from '../../services/billing/test/seed.ts';
import { startSystem, type System } from './system.ts';

const CUSTOMERS = 200;
const CALLS_EACH = 500;
const PERIOD = '2026-11';

interface Close {
  id: string;
  status: string;
  invoicesIssued: number;
  invoicesRemaining: number;
}

/**
 * A month-end close at a real company's size, with crm, billing and mailing as real processes:
 * 200 customers with 500 charged calls each, the period closed, billing killed midway and started
 * again, and every customer emailed the invoice once, with the PDF the event points to.
 */
describe('a month-end close of 200 customers with 500 calls each', () => {
  let system: System;
  let database: TestDatabase;
  const mail = new MailReader(stackEndpoints().mailApiUrl);

  beforeAll(async () => {
    database = await createTestDatabase(stackEndpoints().postgresUrl, 'e2e_billing');
    system = await startSystem(['crm', 'billing', 'mailing'], { billing: { DATABASE_URL: database.url } });
  }, 240_000);

  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const name of ['crm', 'billing', 'mailing'] as const) {
      console.error(`--- ${name} log (end) ---\n${system.log(name).slice(-4000)}`);
    }
  });

  afterAll(async () => {
    await system?.stop();
    await database?.drop();
  });

  const closeOf = async (id: string): Promise<Close> =>
    (await system.call('billing', 'GET', `/v1/billing-periods/${PERIOD}/closes/${id}`))
      .body as unknown as Close;

  it('issues every invoice once through a crash, keeps each event small, and emails each customer its PDF', async () => {
    // The customers, registered in crm as a user would; billing and mailing learn of them from crm's events.
    const customers: { id: string; email: string }[] = [];
    for (let batch = 0; batch < CUSTOMERS; batch += 20) {
      customers.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, CUSTOMERS - batch) }, async () => {
            const email = `close-${randomUUID().slice(0, 12)}@muster.example`;
            const { status, body } = await system.call('crm', 'POST', '/v1/customers', {
              name: 'Muster GmbH',
              email,
              address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
              segment: 'SMALL_BUSINESS',
            });
            expect(status).toBe(201);
            return { id: String(body.id), email };
          }),
        )),
      );
    }
    await system.caughtUp('billing', ['crm.customer-registered.v1']);
    await system.caughtUp('mailing', ['crm.customer-registered.v1']);

    // A month of calls, charged: written the way billing's rating writes them, all at once.
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    try {
      await seedChargedCalls(postgresDatabase(pool), {
        customerIds: customers.map((c) => c.id),
        callsPerCustomer: CALLS_EACH,
        period: PERIOD,
      });
    } finally {
      await pool.end();
    }

    const closing = await system.call('billing', 'POST', `/v1/billing-periods/${PERIOD}/close`, {});
    expect(closing.status).toBe(202);
    const closeId = String(closing.body.id);
    expect(closing.body).toMatchObject({ status: 'RUNNING', invoicesRemaining: CUSTOMERS });

    // Killed midway through the close, then started again: the close goes on by itself.
    await waitFor(async () => ((await closeOf(closeId)).invoicesIssued >= 20 ? true : undefined), {
      description: 'the first invoices issued',
      timeoutMs: 120_000,
    });
    await system.kill('billing');
    await system.restart('billing');
    const close = await waitFor(
      async () => {
        const c = await closeOf(closeId);
        return c.status === 'COMPLETED' ? c : undefined;
      },
      { description: 'the close to complete after the restart', timeoutMs: 300_000, intervalMs: 1_000 },
    );
    expect(close).toMatchObject({ invoicesIssued: CUSTOMERS, invoicesRemaining: 0 });

    // Each customer's invoice issued once, numbered without a gap.
    const invoices: { id: string; customerId: string; number: string }[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const { body } = await system.call(
        'billing',
        'GET',
        `/v1/invoices?closeId=${closeId}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      );
      invoices.push(...(body.items as typeof invoices));
      cursor = body.nextCursor as string | null;
    }
    expect(invoices.map((i) => i.customerId).sort()).toEqual(customers.map((c) => c.id).sort());
    const sequences = invoices.map((i) => Number(i.number.split('-')[2])).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: CUSTOMERS }, (_, i) => (sequences[0] ?? 0) + i));

    // Every event small: the PDF travels by reference, never inside the event.
    const records = await system.topics.records(
      'billing.invoice-issued.v1',
      (rs) => new Set(rs.map((r) => r.event.invoiceId)).size >= CUSTOMERS,
      60_000,
    );
    const largest = Math.max(...records.map((r) => r.bytes));
    expect(largest).toBeLessThan(MAX_EVENT_BYTES);
    expect(largest).toBeLessThan(1_024);
    const events = new Map(records.map((r) => [r.event.invoiceNumber, r.event]));

    // One email per customer, each with the PDF whose SHA-256 its event gives.
    const wanted = new Set(customers.map((c) => c.email));
    const emails = await waitFor(
      async () => {
        const ours = (await mail.all()).filter((m) => m.to.some((to) => wanted.has(to)));
        return ours.length >= CUSTOMERS ? ours : undefined;
      },
      { description: `${CUSTOMERS} invoice emails`, timeoutMs: 300_000, intervalMs: 2_000 },
    );
    expect(emails).toHaveLength(CUSTOMERS);
    expect(new Set(emails.flatMap((m) => m.to)).size).toBe(CUSTOMERS);
    for (const email of emails) {
      const number = /^Invoice (\S+) for /.exec(email.subject)?.[1] ?? '';
      const event = events.get(number);
      expect(event, email.subject).toBeDefined();
      const [attachment] = email.attachments;
      expect(attachment).toEqual({ fileName: `invoice-${number}.pdf`, contentType: 'application/pdf' });
      const pdf = await mail.attachment(email.id, attachment?.fileName ?? '');
      expect(createHash('sha256').update(pdf).digest('hex')).toBe(event?.document?.sha256);
      expect(pdf.length).toBe(event?.document?.sizeBytes);
    }
    // 500 calls make a PDF of about 120 KB: together far over what one Kafka request may carry.
    expect(Math.min(...[...events.values()].map((e) => e.document?.sizeBytes ?? 0))).toBeGreaterThan(100_000);
  }, 900_000);
});
