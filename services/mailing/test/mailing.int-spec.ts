import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import type { EventOf } from '@switchboard/contracts';
import { pruneExpired } from '@switchboard/database';
import { startTracing, type Tracing } from '@switchboard/observability/tracing';
import {
  createTestTopics,
  describeOnEachDatabase,
  JaegerReader,
  type JaegerSpan,
  MailReader,
  stackEndpoints,
  startTestService,
  testMeta,
  type TestService,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Campaign } from '../src/campaigns/dto/campaign.dto.ts';
import { mailing } from '../src/mailing.definition.ts';
import { sentMailRetention } from '../src/mail/mail-retention.ts';
import {
  billingDocuments,
  bridgeReserved,
  customerRegistered,
  drained,
  flakySmtpServer,
  handled,
  mailingConfig,
  rowOf,
  uniqueEmail,
} from './support.ts';

type Customer = EventOf<'crm.customer-registered.v1'>;

async function pdfText(path: string): Promise<string> {
  const document = await getDocumentProxy(new Uint8Array(await readFile(path)));
  return (await extractText(document, { mergePages: true })).text;
}

// One file whose parts run one after the other: every mailing instance joins the consumer group
// `mailing`, and two at once on different topics would be handed each other's partitions.
describe('mailing', () => {
  let topics: TestTopics;
  let spool: string;
  const mail = () => new MailReader(stackEndpoints().mailApiUrl);
  /** The emails delivered to an address, once there are `count` of them. */
  const delivered = (address: string, count = 1) =>
    waitFor(
      async () => {
        const messages = await mail().to(address);
        return messages.length >= count ? messages : undefined;
      },
      { description: `${count} email(s) to reach MailDev`, timeoutMs: 30_000 },
    );
  const messageSent = (relatedId: string, count: number) =>
    topics
      .read('mailing.message-sent.v1', (es) => es.filter((e) => e.relatedId === relatedId).length >= count)
      .then((es) => es.filter((e) => e.relatedId === relatedId));

  beforeAll(async () => {
    topics = await createTestTopics();
    spool = await mkdtemp(join(tmpdir(), 'mailing-spool-'));
  });

  afterAll(async () => {
    await topics?.cleanup();
    await rm(spool, { recursive: true, force: true });
  });

  describe('emails', () => {
    let service: TestService;
    let billing: Awaited<ReturnType<typeof billingDocuments>>;

    beforeAll(async () => {
      billing = await billingDocuments();
      service = await startTestService(mailing, {
        topics,
        config: mailingConfig(spool, { billingUrl: billing.url }),
        // A round of the retention rules every 300 ms instead of every hour.
        pruneEveryMs: 300,
      });
    });

    afterAll(async () => {
      await service?.stop();
      await billing?.close();
    });

    it('emails the booking confirmation once, however often the reservation arrives', async () => {
      const customer = customerRegistered({ email: uniqueEmail('booking') });
      await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, customer.meta.eventId);
      const reserved = bridgeReserved(customer.customerId);
      await topics.publish('conference.bridge-reserved.v1', reserved);

      const [email] = await delivered(customer.email);
      expect(email?.subject).toContain('Tuesday, 4 March 2031 at 09:30 UTC');
      expect(email?.text).toContain('+49 30 5550100');
      expect(email?.text).toContain(reserved.accessCode);
      expect(email?.text).toContain('Tuesday, 4 March 2031 at 09:30 UTC');

      // The same event again, and the same reservation in an event of its own.
      const again = { ...reserved, meta: { ...reserved.meta, eventId: randomUUID() } };
      await topics.publish('conference.bridge-reserved.v1', reserved);
      await topics.publish('conference.bridge-reserved.v1', again);
      await handled(service, reserved.meta.eventId, again.meta.eventId);
      await drained(service);
      expect(await mail().to(customer.email)).toHaveLength(1);
      const sent = await messageSent(reserved.orderId, 1);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({
        customerId: customer.customerId,
        kind: 'BOOKING_CONFIRMATION',
        channel: 'EMAIL',
        subject: email?.subject,
        relatedId: reserved.orderId,
        meta: { producer: 'mailing', correlationId: reserved.orderId, causationId: reserved.meta.eventId },
      });
    });

    it('forgets the address and body of an email sent longer ago than the retention, and still sends it no second time', async () => {
      const customer = customerRegistered({ email: uniqueEmail('retention') });
      await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, customer.meta.eventId);
      const [old, recent] = [bridgeReserved(customer.customerId), bridgeReserved(customer.customerId)];
      await topics.publish('conference.bridge-reserved.v1', old);
      await topics.publish('conference.bridge-reserved.v1', recent);
      await delivered(customer.email, 2);
      const db = service.running.database.db;
      const contentOf = async (orderId: string) =>
        (
          await db.query<{ to_address: string | null; body: string | null; status: string }>(
            'SELECT to_address, body, status FROM outgoing_mail WHERE related_id = $1',
            [orderId],
          )
        ).rows;
      // Sent 31 days ago; the retention is 30 days.
      await db.query(
        `UPDATE outgoing_mail SET created_at = now() - interval '31 days', sent_at = now() - interval '31 days'
         WHERE related_id = $1`,
        [old.orderId],
      );

      await waitFor(async () => ((await contentOf(old.orderId))[0]?.body === null ? true : undefined), {
        description: 'the old email’s content to be pruned',
      });
      expect(await contentOf(old.orderId)).toEqual([{ to_address: null, body: null, status: 'SENT' }]);
      expect(await contentOf(recent.orderId)).toEqual([
        {
          to_address: customer.email,
          body: expect.stringContaining(recent.accessCode) as unknown,
          status: 'SENT',
        },
      ]);
      expect(service.logs).toContainEqual(
        expect.objectContaining({ event: 'retention.pruned', rule: 'sent-mail' }),
      );

      // The same reservation in a new event: its row stays, so no second email goes out.
      const again = { ...old, meta: { ...old.meta, eventId: randomUUID() } };
      await topics.publish('conference.bridge-reserved.v1', again);
      await handled(service, again.meta.eventId);
      await drained(service);
      expect(await mail().to(customer.email)).toHaveLength(2);
      expect(await messageSent(old.orderId, 1)).toHaveLength(1);
    });

    it("emails a backlog of several customers' reservations once each, holding an unknown customer's until it arrives", async () => {
      const known = [1, 2, 3].map((n) => customerRegistered({ email: uniqueEmail(`backlog-${n}`) }));
      const late = customerRegistered({ email: uniqueEmail('backlog-late') });
      for (const customer of known) await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, ...known.map((customer) => customer.meta.eventId));

      const reservations = [...known, ...known, ...known, late, late].map((customer) =>
        bridgeReserved(customer.customerId),
      );
      // Some reservations twice, in events of their own.
      const repeats = reservations
        .slice(0, 4)
        .map((reserved) => ({ ...reserved, meta: { ...reserved.meta, eventId: randomUUID() } }));
      const events = [...reservations, ...repeats];
      await Promise.all(events.map((event) => topics.publish('conference.bridge-reserved.v1', event)));
      for (const customer of known) {
        const emails = await delivered(customer.email, 3);
        const codes = reservations
          .filter((reserved) => reserved.customerId === customer.customerId)
          .map((reserved) => reserved.accessCode);
        expect(codes.every((code) => emails.some((email) => email.text.includes(code)))).toBe(true);
      }
      await handled(service, ...events.map((event) => event.meta.eventId));
      await drained(service);
      for (const customer of known) expect(await mail().to(customer.email)).toHaveLength(3);
      expect(await mail().to(late.email)).toHaveLength(0);

      await topics.publish('crm.customer-registered.v1', late);
      expect(await delivered(late.email, 2)).toHaveLength(2);
      await drained(service);
      expect(await mail().to(late.email)).toHaveLength(2);
    });

    it('holds a confirmation for a customer it does not know yet, and sends it once the customer arrives', async () => {
      const customer = customerRegistered({ email: uniqueEmail('early-booking') });
      const reserved = bridgeReserved(customer.customerId);
      await topics.publish('conference.bridge-reserved.v1', reserved);
      await handled(service, reserved.meta.eventId);
      expect(
        await rowOf<{ status: string }>(service, 'SELECT status FROM outgoing_mail WHERE dedupe_key = $1', [
          `booking:${reserved.reservationId}`,
        ]),
      ).toEqual({ status: 'WAITING_FOR_CONTACT' });
      const unknown = await service.request(`/v1/contacts/${customer.customerId}`);
      expect(unknown.status).toBe(404);
      expect(((await unknown.json()) as { code: string }).code).toBe('CONTACT_NOT_FOUND');

      await topics.publish('crm.customer-registered.v1', customer);
      const [email] = await delivered(customer.email);
      expect(email?.text).toContain(reserved.accessCode);
      expect(await messageSent(reserved.orderId, 1)).toHaveLength(1);
      const known = await service.request(`/v1/contacts/${customer.customerId}`);
      expect(known.status).toBe(200);
      const view = (await known.json()) as Record<string, unknown>;
      expect(view).toMatchObject({
        customerId: customer.customerId,
        segment: 'SMALL_BUSINESS',
        country: 'DE',
        marketingConsent: true,
      });
      // Only what decides an audience: no name or address.
      expect(JSON.stringify(view)).not.toContain(customer.email);
      expect(Date.parse(String(view.updatedAt))).toBeGreaterThan(Date.now() - 60_000);
    });

    it('keeps the newest contact when crm’s events arrive out of order', async () => {
      const newer = customerRegistered({ email: uniqueEmail('newer'), occurredAt: Date.now() });
      const older: EventOf<'crm.customer-updated.v1'> = {
        ...customerRegistered({
          customerId: newer.customerId,
          email: uniqueEmail('older'),
          occurredAt: newer.meta.occurredAt - 60_000,
        }),
      };
      await topics.publish('crm.customer-registered.v1', newer);
      await topics.publish('crm.customer-updated.v1', older);
      await handled(service, newer.meta.eventId, older.meta.eventId);
      const reserved = bridgeReserved(newer.customerId);
      await topics.publish('conference.bridge-reserved.v1', reserved);
      expect(await delivered(newer.email)).toHaveLength(1);
      expect(await mail().to(older.email)).toHaveLength(0);
    });

    /** billing.invoice-issued for a new invoice of `customerId`, its PDF served at `document`. */
    function invoiceIssued(
      customerId: string,
      document: EventOf<'billing.invoice-issued.v1'>['document'],
      invoiceId: string,
    ): EventOf<'billing.invoice-issued.v1'> {
      return {
        meta: testMeta('billing'),
        customerId,
        invoiceId,
        invoiceNumber: `INV-${randomUUID().slice(0, 6)}`,
        period: '2031-02',
        issuedAt: Date.UTC(2031, 2, 1),
        dueDate: '2031-03-15',
        total: { amountMinor: 1_234_567, currency: 'KWD' },
        lineCount: 4,
        document,
      };
    }

    it("emails an issued invoice with the PDF its event points to, fetched from billing's API, waiting while billing does not answer", async () => {
      const customer = customerRegistered({ email: uniqueEmail('invoice') });
      await topics.publish('crm.customer-registered.v1', customer);
      const invoiceId = randomUUID();
      const pdf = Buffer.from(`%PDF-1.4\n% invoice ${invoiceId}\n%%EOF\n`);
      billing.unavailableFor(2);
      const event = invoiceIssued(customer.customerId, billing.serve(invoiceId, pdf), invoiceId);
      await topics.publish('billing.invoice-issued.v1', event);
      const [email] = await delivered(customer.email);
      expect(email?.subject).toBe(`Invoice ${event.invoiceNumber} for 2031-02`);
      expect(email?.text).toContain('KWD\u00a01,234.567');
      expect(email?.text).toContain('15 March 2031');
      const fileName = `invoice-${event.invoiceNumber}.pdf`;
      expect(email?.attachments).toEqual([{ fileName, contentType: 'application/pdf' }]);
      const attached = await mail().attachment(email?.id ?? '', fileName);
      expect(createHash('sha256').update(attached).digest('hex')).toBe(event.document?.sha256);
      // Two answers of 503, then the PDF: three requests, one email.
      expect(billing.requests(invoiceId)).toBe(3);
      const [sent] = await messageSent(invoiceId, 1);
      expect(sent).toMatchObject({ kind: 'INVOICE', channel: 'EMAIL', customerId: customer.customerId });
      const row = await rowOf<{ attempts: number; attachment: unknown }>(
        service,
        'SELECT attempts, attachment FROM outgoing_mail WHERE related_id = $1',
        [invoiceId],
      );
      expect(row).toEqual({ attempts: 3, attachment: null });
      expect(await mail().to(customer.email)).toHaveLength(1);
    });

    it("never sends an invoice with a PDF other than the event's: it waits until billing serves the right one", async () => {
      const customer = customerRegistered({ email: uniqueEmail('tampered') });
      await topics.publish('crm.customer-registered.v1', customer);
      const invoiceId = randomUUID();
      const pdf = Buffer.from(`%PDF-1.4\n% invoice ${invoiceId}\n%%EOF\n`);
      const event = invoiceIssued(customer.customerId, billing.serve(invoiceId, pdf), invoiceId);
      billing.replace(invoiceId, Buffer.from('%PDF-1.4\n% another document\n%%EOF\n'));
      await topics.publish('billing.invoice-issued.v1', event);
      const waiting = await waitFor(
        async () => {
          const row = await rowOf<{ status: string; last_error: string | null }>(
            service,
            'SELECT status, last_error FROM outgoing_mail WHERE related_id = $1',
            [invoiceId],
          );
          return row?.last_error ? row : undefined;
        },
        { description: 'a failed attempt on record' },
      );
      expect(waiting.status).toBe('PENDING');
      expect(waiting.last_error).toContain(`not ${event.document?.sha256} as the event says`);
      expect(await mail().to(customer.email)).toHaveLength(0);

      billing.replace(invoiceId, pdf);
      const [email] = await delivered(customer.email);
      const attached = await mail().attachment(email?.id ?? '', `invoice-${event.invoiceNumber}.pdf`);
      expect(attached.equals(pdf)).toBe(true);
    });

    it("dead-letters an invoice whose PDF is anywhere but on billing's API, and fetches nothing", async () => {
      const customer = customerRegistered({ email: uniqueEmail('untrusted') });
      await topics.publish('crm.customer-registered.v1', customer);
      const invoiceId = randomUUID();
      const elsewhere = {
        url: `http://127.0.0.1:1/v1/invoices/${invoiceId}/pdf`,
        sha256: '0'.repeat(64),
        sizeBytes: 10,
        mediaType: 'application/pdf',
      };
      await topics.publish(
        'billing.invoice-issued.v1',
        invoiceIssued(customer.customerId, elsewhere, invoiceId),
      );
      const parked = await waitFor(
        async () =>
          service.logs.find(
            (l) => l.event === 'messaging.event.dead-lettered' && l.key === customer.customerId,
          ),
        { description: 'the invoice event dead-lettered' },
      );
      expect(parked).toMatchObject({ errorClass: 'UntrustedDocumentError' });
      expect(
        await rowOf(service, 'SELECT id FROM outgoing_mail WHERE related_id = $1', [invoiceId]),
      ).toBeUndefined();
    });
  });
  describe('with an SMTP server that refuses for a while', () => {
    let smtp: Awaited<ReturnType<typeof flakySmtpServer>>;
    let service: TestService;

    beforeAll(async () => {
      smtp = await flakySmtpServer(stackEndpoints().smtpUrl, 2);
      service = await startTestService(mailing, {
        topics,
        config: mailingConfig(spool, { smtpUrl: smtp.url, mailRetryMaxDelayMs: 2_000 }),
      });
    });

    afterAll(async () => {
      await service?.stop();
      await smtp?.close();
    });

    it('retries with backoff and delivers the email once', async () => {
      const customer = customerRegistered({ email: uniqueEmail('flaky') });
      await topics.publish('crm.customer-registered.v1', customer);
      const reserved = bridgeReserved(customer.customerId);
      await topics.publish('conference.bridge-reserved.v1', reserved);
      const [email] = await delivered(customer.email);
      expect(email?.text).toContain(reserved.accessCode);
      const row = await waitFor(
        () =>
          rowOf<{ attempts: number; last_error: string | null }>(
            service,
            "SELECT attempts, last_error FROM outgoing_mail WHERE dedupe_key = $1 AND status = 'SENT'",
            [`booking:${reserved.reservationId}`],
          ),
        { description: 'the email to be recorded as sent' },
      );
      // Two refused attempts, then the one that went through.
      expect(row).toEqual({ attempts: 3, last_error: null });
      expect(smtp.connections()).toBeGreaterThanOrEqual(3);
      await drained(service);
      expect(await mail().to(customer.email)).toHaveLength(1);
      expect(await messageSent(reserved.orderId, 1)).toHaveLength(1);
    });
  });

  describe('campaigns', () => {
    let service: TestService;
    let campaignSpool: string;

    beforeAll(async () => {
      campaignSpool = await mkdtemp(join(tmpdir(), 'mailing-campaign-spool-'));
      service = await startTestService(mailing, { topics, config: mailingConfig(campaignSpool) });
    });

    afterAll(async () => {
      await service?.stop();
      await rm(campaignSpool, { recursive: true, force: true });
    });

    it('prints a letter and emails a notice to each consenting contact of the audience, once', async () => {
      // A country of this test's own: the audience is exactly these contacts.
      const inAudience = [
        customerRegistered({
          name: 'Alpha ehf.',
          email: uniqueEmail('alpha'),
          segment: 'PUBLIC_SECTOR',
          country: 'IS',
        }),
        customerRegistered({
          name: 'Beta ehf.',
          email: uniqueEmail('beta'),
          segment: 'PUBLIC_SECTOR',
          country: 'IS',
        }),
        customerRegistered({
          name: 'Gamma ehf.',
          email: uniqueEmail('gamma'),
          segment: 'PUBLIC_SECTOR',
          country: 'IS',
          marketingConsent: false,
        }),
      ];
      const otherSegment = customerRegistered({
        email: uniqueEmail('delta'),
        segment: 'ENTERPRISE',
        country: 'IS',
      });
      const everyone = [...inAudience, otherSegment];
      for (const customer of everyone) await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, ...everyone.map((c) => c.meta.eventId));

      const body = {
        name: 'Winter offer',
        letter: {
          template:
            'Dear {{customer.name}},\n\n{{#if customer.phone}}We will call you.{{else}}Our winter offer for {{customer.address.city}}: {{campaign.name}}.{{/if}}',
        },
        notice: {
          subject: 'A letter is on its way: {{campaign.name}}',
          template: 'Hello {{customer.name}}, a letter will arrive around {{campaign.expectedDeliveryDate}}.',
        },
        audience: { segments: ['PUBLIC_SECTOR'], countries: ['IS'] },
        expectedDeliveryDate: '2031-03-15',
      };
      const key = randomUUID();
      const response = await service.request('/v1/campaigns', { body, headers: { 'Idempotency-Key': key } });
      expect(response.status).toBe(202);
      const created = (await response.json()) as Campaign;
      expect(response.headers.get('location')).toBe(`/v1/campaigns/${created.id}`);
      expect(created).toMatchObject({ name: 'Winter offer', counts: { recipients: 3 } });

      const done = await waitFor(
        async () => {
          const campaign = (await (await service.request(`/v1/campaigns/${created.id}`)).json()) as Campaign;
          return campaign.status === 'COMPLETED' ? campaign : undefined;
        },
        { description: 'the campaign to complete', timeoutMs: 30_000 },
      );
      expect(done.counts).toEqual({
        lettersPrinted: 2,
        noticesSent: 2,
        skippedNoConsent: 1,
        failed: 0,
        recipients: 3,
      });
      const [alpha, beta, gamma] = inAudience as [Customer, Customer, Customer];
      const states = Object.fromEntries(done.recipients.map((r) => [r.customerId, r.state]));
      expect(states).toEqual({
        [alpha.customerId]: 'NOTICE_SENT',
        [beta.customerId]: 'NOTICE_SENT',
        [gamma.customerId]: 'SKIPPED_NO_CONSENT',
      });

      // The spool holds exactly one PDF per printed letter.
      const files = (await readdir(join(campaignSpool, created.id))).sort();
      expect(files).toEqual([`${alpha.customerId}.pdf`, `${beta.customerId}.pdf`].sort());
      const letter = await pdfText(join(campaignSpool, created.id, `${alpha.customerId}.pdf`));
      expect(letter).toContain('Alpha ehf.\nHauptstr. 1\n10115 Berlin\nICELAND');
      expect(letter).toContain('Dear Alpha ehf.,');
      expect(letter).toContain('Our winter offer for Berlin: Winter offer.');

      const [notice] = await delivered(alpha.email);
      expect(notice?.subject).toBe('A letter is on its way: Winter offer');
      expect(notice?.text).toContain('Hello Alpha ehf., a letter will arrive around 15 March 2031.');
      expect(await delivered(beta.email)).toHaveLength(1);
      expect(await mail().to(gamma.email)).toHaveLength(0);
      expect(await mail().to(otherSegment.email)).toHaveLength(0);

      const sent = await messageSent(created.id, 4);
      expect(sent.map((e) => `${e.kind}/${e.channel}/${e.customerId}`).sort()).toEqual(
        [
          `CAMPAIGN_LETTER/PRINT/${alpha.customerId}`,
          `CAMPAIGN_LETTER/PRINT/${beta.customerId}`,
          `CAMPAIGN_NOTICE/EMAIL/${alpha.customerId}`,
          `CAMPAIGN_NOTICE/EMAIL/${beta.customerId}`,
        ].sort(),
      );
      expect(sent.every((e) => e.meta.correlationId === created.id)).toBe(true);
      const completed = await topics.read('mailing.campaign-completed.v1', (es) =>
        es.some((e) => e.campaignId === created.id),
      );
      expect(completed.filter((e) => e.campaignId === created.id)).toEqual([
        expect.objectContaining({
          name: 'Winter offer',
          lettersPrinted: 2,
          noticesSent: 2,
          skippedNoConsent: 1,
          failed: 0,
        }),
      ]);

      // The same request again answers the same campaign and prints or sends nothing more.
      const retry = await service.request('/v1/campaigns', { body, headers: { 'Idempotency-Key': key } });
      expect(retry.status).toBe(202);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(((await retry.json()) as Campaign).id).toBe(created.id);
      const reused = await service.request('/v1/campaigns', {
        body: { ...body, name: 'Another offer' },
        headers: { 'Idempotency-Key': key },
      });
      expect(reused.status).toBe(422);
      expect(((await reused.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');
      await drained(service);
      expect(await readdir(join(campaignSpool, created.id))).toHaveLength(2);
      expect(await mail().to(alpha.email)).toHaveLength(1);
      expect((await messageSent(created.id, 4)).length).toBe(4);

      const list = (await (await service.request('/v1/campaigns?status=COMPLETED')).json()) as {
        items: { id: string; counts: { recipients: number } }[];
      };
      expect(list.items.find((c) => c.id === created.id)?.counts.recipients).toBe(3);

      // Completed 31 days ago (the retention is 30 days): the copies of the contacts go, the counts stay.
      const db = service.running.database.db;
      await db.query(`UPDATE campaigns SET completed_at = now() - interval '31 days' WHERE id = $1`, [
        created.id,
      ]);
      const [, contacts] = sentMailRetention(30);
      expect(contacts?.name).toBe('campaign-contacts');
      expect(await pruneExpired(db, contacts!)).toBe(3);
      const { rows } = await db.query('SELECT contact FROM campaign_recipients WHERE campaign_id = $1', [
        created.id,
      ]);
      expect(rows).toEqual([{ contact: null }, { contact: null }, { contact: null }]);
      const after = (await (await service.request(`/v1/campaigns/${created.id}`)).json()) as Campaign;
      expect(after).toMatchObject({ status: 'COMPLETED', counts: { recipients: 3 } });
    });

    it('refuses a template that uses a field contacts do not have, before printing or sending anything', async () => {
      const customer = customerRegistered({ email: uniqueEmail('vat'), segment: 'CONSUMER', country: 'LI' });
      await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, customer.meta.eventId);
      const before = (await readdir(campaignSpool)).length;

      const response = await service.request('/v1/campaigns', {
        body: {
          name: 'VAT letter',
          letter: { template: 'Your VAT number: {{customer.vatNumber}}' },
          notice: { subject: 'Hi {{customer.nickname}', template: 'A letter is coming.' },
          audience: { countries: ['LI'] },
          expectedDeliveryDate: '2031-03-15',
        },
        headers: { 'Idempotency-Key': randomUUID() },
      });
      expect(response.status).toBe(422);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as {
        code: string;
        detail: string;
        errors: { field: string; templateField?: string; message: string }[];
      };
      expect(problem.code).toBe('INVALID_TEMPLATE');
      expect(problem.errors[0]).toMatchObject({
        field: 'letter.template',
        templateField: 'customer.vatNumber',
      });
      expect(problem.errors[1]).toMatchObject({ field: 'notice.subject' });
      expect(problem.errors[1]?.message).toContain('Parse error');
      expect(problem.detail).toContain('customer.vatNumber');

      const list = (await (await service.request('/v1/campaigns')).json()) as { items: { name: string }[] };
      expect(list.items.map((c) => c.name)).not.toContain('VAT letter');
      expect(await readdir(campaignSpool)).toHaveLength(before);
      expect(await mail().to(customer.email)).toHaveLength(0);
    });
  });

  describeOnEachDatabase('a campaign stopped midway, on %s', 'mailing', (database) => {
    let dataDir: string;
    let resumeSpool: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'mailing-data-'));
      resumeSpool = await mkdtemp(join(tmpdir(), 'mailing-resume-spool-'));
    });

    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
      await rm(resumeSpool, { recursive: true, force: true });
    });

    /** A mailing instance on the same data each time, as a restarted process would be. */
    const start = () =>
      startTestService(mailing, {
        topics,
        databaseUrl: database().url,
        config: mailingConfig(resumeSpool, { dataDir, campaignPaceMs: 150 }),
      });

    it('resumes after a restart and prints and emails each recipient exactly once', async () => {
      const country = database().kind === 'pglite' ? 'MT' : 'CY';
      const customers = Array.from({ length: 12 }, (_, i) =>
        customerRegistered({ name: `Customer ${i + 1}`, email: uniqueEmail(`resume-${i}`), country }),
      );
      const first = await start();
      let campaignId: string;
      try {
        for (const customer of customers) await topics.publish('crm.customer-registered.v1', customer);
        await handled(first, ...customers.map((c) => c.meta.eventId));
        const response = await first.request('/v1/campaigns', {
          body: {
            name: 'Resumed offer',
            letter: { template: 'Dear {{customer.name}}, our offer.' },
            notice: {
              subject: 'Your letter',
              template: 'It arrives around {{campaign.expectedDeliveryDate}}.',
            },
            audience: { countries: [country] },
            expectedDeliveryDate: '2031-03-15',
          },
          headers: { 'Idempotency-Key': randomUUID() },
        });
        expect(response.status).toBe(202);
        campaignId = ((await response.json()) as Campaign).id;
        await waitFor(
          async () =>
            (await readdir(join(resumeSpool, campaignId)).catch(() => [])).length >= 3 ? true : undefined,
          { description: 'three letters to be printed', intervalMs: 50 },
        );
      } finally {
        // Stopped like a deployment stops it, keeping its data.
        await first.running.close();
      }
      expect((await readdir(join(resumeSpool, campaignId))).length).toBeLessThan(12);

      const second = await start();
      try {
        const done = await waitFor(
          async () => {
            const campaign = (await (await second.request(`/v1/campaigns/${campaignId}`)).json()) as Campaign;
            return campaign.status === 'COMPLETED' ? campaign : undefined;
          },
          { description: 'the resumed campaign to complete', timeoutMs: 45_000 },
        );
        expect(done.counts).toEqual({
          lettersPrinted: 12,
          noticesSent: 12,
          skippedNoConsent: 0,
          failed: 0,
          recipients: 12,
        });
        expect((await readdir(join(resumeSpool, campaignId))).sort()).toEqual(
          customers.map((c) => `${c.customerId}.pdf`).sort(),
        );
        for (const customer of customers) expect(await delivered(customer.email)).toHaveLength(1);
        await drained(second);
        const sent = await messageSent(campaignId, 24);
        expect(sent).toHaveLength(24);
        expect(new Set(sent.map((e) => e.messageId)).size).toBe(24);
        expect(sent.filter((e) => e.channel === 'PRINT')).toHaveLength(12);
        const completed = await topics.read('mailing.campaign-completed.v1', (es) =>
          es.some((e) => e.campaignId === campaignId),
        );
        expect(completed.filter((e) => e.campaignId === campaignId)).toHaveLength(1);
        // Every notice went out once, however the restart fell.
        for (const customer of customers) expect(await mail().to(customer.email)).toHaveLength(1);
      } finally {
        await second.stop();
        // Only now: besides closing (done), stop removes the folder startTestService made for it.
        await first.stop();
      }
    });
  });

  // Last: tracing, once started, stays on for the rest of this process.
  describe('tracing', () => {
    let service: TestService;
    let tracing: Tracing;

    beforeAll(async () => {
      tracing = startTracing({
        service: `mailing-it-${randomUUID().slice(0, 8)}`,
        endpoint: stackEndpoints().otlpHttpUrl,
      });
      service = await startTestService(mailing, { topics, config: mailingConfig(spool) });
    });

    afterAll(async () => {
      await service?.stop();
      await tracing?.shutdown();
    });

    it('ends the booking’s trace with the confirmation email and its message-sent event', async () => {
      const customer = customerRegistered({ email: uniqueEmail('traced') });
      await topics.publish('crm.customer-registered.v1', customer);
      await handled(service, customer.meta.eventId);
      const reserved = bridgeReserved(customer.customerId);
      const traceId = await trace
        .getTracer('mailing-it')
        .startActiveSpan('book a conference', async (span) => {
          await topics.publish('conference.bridge-reserved.v1', reserved);
          span.end();
          return span.spanContext().traceId;
        });
      await delivered(customer.email);
      await drained(service);

      const jaeger = new JaegerReader(stackEndpoints().jaegerQueryUrl);
      // Kafka spans name the physical topic, which carries this test's prefix.
      const named = (spans: readonly JaegerSpan[], name: RegExp) =>
        spans.find((s) => name.test(s.operationName));
      const PUBLISHED = /^publish .*mailing\.message-sent\.v1$/;
      const found = await waitFor(
        async () => {
          const t = await jaeger.trace(traceId);
          return t && named(t.spans, PUBLISHED) ? t : undefined;
        },
        { description: 'the email’s spans in Jaeger', timeoutMs: 30_000 },
      );
      const parentOf = (span: JaegerSpan | undefined) =>
        found.spans.find((s) => s.spanID === span?.references.find((r) => r.refType === 'CHILD_OF')?.spanID);
      const send = named(found.spans, /^send booking-confirmation$/);
      expect(parentOf(send)?.operationName).toMatch(/^process .*conference\.bridge-reserved\.v1$/);
      expect(parentOf(named(found.spans, PUBLISHED))?.spanID).toBe(send?.spanID);
      expect(send?.tags).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'mailing.message.kind', value: 'BOOKING_CONFIRMATION' }),
          expect.objectContaining({ key: 'span.kind', value: 'client' }),
        ]),
      );
      // Ids only: nothing of the contact reaches the spans.
      expect(JSON.stringify(found)).not.toContain(customer.email);
      expect(JSON.stringify(found)).not.toContain(customer.name);
    });
  });
});
