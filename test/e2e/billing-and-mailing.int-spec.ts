import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JaegerReader, type JaegerTrace, MailReader, stackEndpoints, waitFor } from '@switchboard/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type System } from './system.ts';

const MINUTE = 60_000;
const RATES = {
  currency: 'EUR',
  perParticipantMinute: 12,
  tollFreeSurchargePerMinute: 5,
  recordingPerMinute: 2,
  minimumChargePerCall: 100,
};

interface Campaign {
  id: string;
  status: string;
  counts: {
    lettersPrinted: number;
    noticesSent: number;
    skippedNoConsent: number;
    failed: number;
    recipients: number;
  };
  recipients: { customerId: string; state: string }[];
}

/** All five services as real processes: a booking, its calls, the invoice and a campaign. */
describe('calls to invoices and campaigns across all five services', () => {
  let system: System;
  const mail = new MailReader(stackEndpoints().mailApiUrl);
  const jaeger = new JaegerReader(stackEndpoints().jaegerQueryUrl);

  beforeAll(async () => {
    system = await startSystem(['crm', 'orders', 'conference-bridge', 'billing', 'mailing'], {
      'conference-bridge': {
        BRIDGES: JSON.stringify([
          { id: 'e2e', name: 'E2E bridge', dialInNumber: '+49 30 5550177', ports: 50 },
        ]),
      },
      // A second between two recipients: the campaign below is still running when mailing is
      // killed, and the kill falls in a pause, not in the moment an email is handed to the SMTP
      // server (an email sent then but not yet recorded is sent again after the restart).
      mailing: { CAMPAIGN_PACE_MS: '1000' },
    });
  }, 240_000);

  // A failed step's cause is mostly in a service's log: show the end of each.
  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    for (const name of ['crm', 'orders', 'conference-bridge', 'billing', 'mailing'] as const) {
      console.error(`--- ${name} log (end) ---\n${system.log(name).slice(-4000)}`);
    }
  });

  afterAll(async () => {
    await system?.stop();
  });

  const register = async (
    fields: { segment?: string; country?: string; marketingConsent?: boolean } = {},
  ) => {
    const email = `e2e-${randomUUID().slice(0, 12)}@muster.example`;
    const { status, body } = await system.call('crm', 'POST', '/v1/customers', {
      name: 'Muster GmbH',
      email,
      address: {
        street: 'Hauptstr. 1',
        postalCode: '10115',
        city: 'Berlin',
        country: fields.country ?? 'DE',
      },
      segment: fields.segment ?? 'SMALL_BUSINESS',
      marketingConsent: fields.marketingConsent ?? false,
    });
    expect(status).toBe(201);
    return { id: String(body.id), email };
  };

  const callEvents = async (accessCode: string, startedAt: number, events: Record<string, unknown>[]) => {
    const callId = `call-${randomUUID()}`;
    const all = [{ type: 'CALL_STARTED', at: startedAt, accessCode }, ...events];
    for (const [i, { at, ...event }] of all.entries()) {
      const { status } = await system.call('conference-bridge', 'POST', `/v1/calls/${callId}/events`, {
        ...event,
        eventId: `e${i}`,
        at: new Date(at as number).toISOString(),
      });
      expect(status).toBe(202);
    }
  };

  const chargeOf = async (customerId: string, count: number) => {
    const events = await system.topics.read(
      'billing.call-charged.v1',
      (es) => es.filter((e) => e.customerId === customerId).length >= count,
    );
    return events.filter((e) => e.customerId === customerId);
  };

  it('books, confirms by email, rates calls with the contract, shows them in crm and invoices by email, in two traces', async () => {
    const customer = await register();
    const monthStart = new Date();
    monthStart.setUTCDate(1);
    monthStart.setUTCHours(0, 0, 0, 0);
    const contract = await system.call('crm', 'PUT', `/v1/customers/${customer.id}/contract`, {
      ...RATES,
      effectiveFrom: new Date(Math.min(monthStart.getTime(), Date.now() - 2 * 60 * MINUTE)).toISOString(),
    });
    expect(contract.status).toBe(200);

    // Booking → bridge reservation → confirmation email.
    const placed = await waitFor(
      async () => {
        const response = await system.call(
          'orders',
          'POST',
          '/v1/orders',
          {
            customerId: customer.id,
            title: 'Quarterly review',
            startsAt: new Date(Date.now() + 24 * 60 * MINUTE).toISOString(),
            durationMinutes: 60,
            expectedParticipants: 4,
            features: { recording: true, tollFree: true },
          },
          { 'Idempotency-Key': randomUUID() },
        );
        return response.status === 202 ? response.body : undefined;
      },
      { description: 'orders to learn the customer', timeoutMs: 30_000 },
    );
    const orderId = String(placed.id);
    const order = await waitFor(
      async () => {
        const { body } = await system.call('orders', 'GET', `/v1/orders/${orderId}`);
        return body.status === 'CONFIRMED' ? body : undefined;
      },
      { description: 'the booking to be confirmed', timeoutMs: 30_000 },
    );
    const { accessCode } = order.dialIn as { accessCode: string };
    const [confirmation] = await waitFor(
      async () => {
        const messages = await mail.to(customer.email);
        return messages.length > 0 ? messages : undefined;
      },
      { description: 'the booking confirmation email', timeoutMs: 30_000 },
    );
    expect(confirmation?.text).toContain(accessCode);
    expect(confirmation?.text).toContain('+49 30 5550177');

    // A call of 40 minutes ago: A 10:01 (→ 11 min), B toll-free 4:00 (→ 4 min), recording 2:05 (→ 3 min).
    // By hand with 12/5/2 cents: (11 + 4) × 12 + 4 × 5 + 3 × 2 = 180 + 20 + 6 = 206 cents.
    const first = Date.now() - 40 * MINUTE;
    await callEvents(accessCode, first, [
      { type: 'PARTICIPANT_JOINED', at: first, participantId: 'a' },
      { type: 'PARTICIPANT_JOINED', at: first + MINUTE, participantId: 'b', tollFree: true },
      { type: 'RECORDING_STARTED', at: first + MINUTE },
      { type: 'RECORDING_STOPPED', at: first + 3 * MINUTE + 5000 },
      { type: 'PARTICIPANT_LEFT', at: first + 5 * MINUTE, participantId: 'b' },
      { type: 'PARTICIPANT_LEFT', at: first + 10 * MINUTE + 1000, participantId: 'a' },
      { type: 'CALL_ENDED', at: first + 11 * MINUTE },
    ]);
    const [charge] = await chargeOf(customer.id, 1);
    expect(charge).toMatchObject({
      ratesVersion: 1,
      total: { amountMinor: 206, currency: 'EUR' },
      periodCallCount: 1,
    });

    const profile = await waitFor(
      async () => {
        const { body } = await system.call('crm', 'GET', `/v1/customers/${customer.id}`);
        return body.billing ? (body.billing as Record<string, Record<string, unknown>>) : undefined;
      },
      { description: "crm's billing summary", timeoutMs: 30_000 },
    );
    expect(profile.currentPeriod).toMatchObject({
      period: charge?.period,
      chargesToDate: { amountMinor: 206, currency: 'EUR' },
      callCount: 1,
    });

    // The contract changes; billing shows the new rates and rates the next call with them.
    const changed = await system.call('crm', 'PUT', `/v1/customers/${customer.id}/contract`, {
      ...RATES,
      perParticipantMinute: 20,
      effectiveFrom: new Date(Date.now() - 10 * MINUTE).toISOString(),
    });
    expect(changed.status).toBe(200);
    const rates = await waitFor(
      async () => {
        const { status, body } = await system.call('billing', 'GET', `/v1/customers/${customer.id}/rates`);
        return status === 200 && body.version === 2 ? body : undefined;
      },
      { description: 'billing to see the new rates', timeoutMs: 30_000 },
    );
    expect(rates.perParticipantMinute).toEqual({ amountMinor: 20, currency: 'EUR' });
    // 1:30 (→ 2 min) × 20 = 40 cents, below the 100-cent minimum: charged 100.
    const second = Date.now() - 4 * MINUTE;
    await callEvents(accessCode, second, [
      { type: 'PARTICIPANT_JOINED', at: second, participantId: 'a' },
      { type: 'PARTICIPANT_LEFT', at: second + 90_000, participantId: 'a' },
      { type: 'CALL_ENDED', at: second + 2 * MINUTE },
    ]);
    const charges = await chargeOf(customer.id, 2);
    expect(charges[1]).toMatchObject({
      ratesVersion: 2,
      total: { amountMinor: 100, currency: 'EUR' },
      periodCallCount: 2,
    });

    // The customer's period closed → invoice → email with the PDF.
    const closing = await system.call('billing', 'POST', `/v1/billing-periods/${charge?.period}/close`, {
      customerId: customer.id,
    });
    expect(closing.status).toBe(202);
    const close = await waitFor(
      async () => {
        const { body } = await system.call(
          'billing',
          'GET',
          `/v1/billing-periods/${charge?.period}/closes/${String(closing.body.id)}`,
        );
        return body.status === 'COMPLETED' ? body : undefined;
      },
      { description: 'the close to complete', timeoutMs: 30_000 },
    );
    expect(close.invoicesIssued).toBe(1);
    const { body: issued } = await system.call('billing', 'GET', `/v1/invoices?closeId=${String(close.id)}`);
    const [invoice] = issued.items as {
      customerId: string;
      number: string;
      total: { amountMinor: number };
    }[];
    expect(invoice?.customerId).toBe(customer.id);
    expect(invoice?.total.amountMinor).toBe(306);
    const invoiceMail = await waitFor(
      async () => (await mail.to(customer.email)).find((m) => m.attachments.length > 0),
      { description: 'the invoice email', timeoutMs: 30_000 },
    );
    expect(invoiceMail.subject).toContain(invoice?.number);
    expect(invoiceMail.attachments).toEqual([
      expect.objectContaining({ fileName: `invoice-${invoice?.number}.pdf`, contentType: 'application/pdf' }),
    ]);
    const lastInvoice = await waitFor(
      async () => {
        const { body } = await system.call('crm', 'GET', `/v1/customers/${customer.id}`);
        return (body.billing as { lastInvoice: Record<string, unknown> | null }).lastInvoice ?? undefined;
      },
      { description: "crm's last invoice", timeoutMs: 30_000 },
    );
    expect(lastInvoice).toMatchObject({ number: invoice?.number });

    // The booking is one trace: orders → bridge → confirmation email.
    const servicesOf = (trace: Awaited<ReturnType<JaegerReader['find']>>[number]) =>
      new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName));
    // Each service tags its spans with the flow's business keys, so the trace is found by any of them.
    const taggedBy = (trace: JaegerTrace, tag: string, value: string) =>
      new Set(
        trace.spans
          .filter((s) => s.tags.some((t) => t.key === tag && t.value === value))
          .map((s) => trace.processes[s.processID]?.serviceName),
      );
    const booking = await waitFor(
      async () => {
        const [trace] = await jaeger.find('mailing', { 'switchboard.order.id': orderId });
        return trace && servicesOf(trace).has('mailing') ? trace : undefined;
      },
      { description: 'the booking trace with the confirmation email', timeoutMs: 30_000 },
    );
    expect([...servicesOf(booking)].sort()).toEqual(['conference-bridge', 'mailing', 'orders']);
    expect([...taggedBy(booking, 'switchboard.order.id', orderId)].sort()).toEqual([
      'conference-bridge',
      'mailing',
      'orders',
    ]);

    // The first call is one trace: bridge → billing → crm's summary, and at close the invoice email;
    // the invoice's number finds it.
    const callId = charges[0]?.callId ?? '';
    const number = String(invoice?.number);
    const callTrace = await waitFor(
      async () => {
        const traces = await jaeger.find('crm', { 'switchboard.invoice.number': number });
        const trace = traces.find((t) => taggedBy(t, 'switchboard.call.id', callId).size > 0);
        const names = trace ? servicesOf(trace) : new Set();
        return trace && names.has('crm') && names.has('mailing') ? trace : undefined;
      },
      { description: 'the call trace through billing, crm and mailing', timeoutMs: 30_000 },
    );
    expect([...servicesOf(callTrace)].sort()).toEqual(['billing', 'conference-bridge', 'crm', 'mailing']);
    expect([...taggedBy(callTrace, 'switchboard.call.id', callId)].sort()).toEqual([
      'billing',
      'conference-bridge',
      'crm',
    ]);
    expect([...taggedBy(callTrace, 'switchboard.invoice.number', number)].sort()).toEqual([
      'billing',
      'crm',
      'mailing',
    ]);
    const operations = callTrace.spans.map((s) => s.operationName);
    for (const operation of [
      /^process \S*conference\.call-completed\.v1$/,
      /^publish \S*billing\.call-charged\.v1$/,
      /^process \S*billing\.call-charged\.v1$/,
      /^process \S*billing\.invoice-issued\.v1$/,
    ]) {
      expect(
        operations.some((o) => operation.test(o)),
        String(operation),
      ).toBe(true);
    }
  });

  const MAILING_TOPICS = [
    'crm.customer-registered.v1',
    'crm.customer-updated.v1',
    'conference.bridge-reserved.v1',
    'billing.invoice-issued.v1',
  ] as const;
  /** Where mailing spools a campaign's letters: DATA_DIR/print-spool/<campaignId>/<customerId>.pdf. */
  const spoolOf = (campaignId: string) => join(system.dataDir, 'mailing', 'print-spool', campaignId);
  const letters = async (campaignId: string) =>
    (await readdir(spoolOf(campaignId)).catch(() => [] as string[])).filter((f) => f.endsWith('.pdf')).sort();

  const startCampaign = async (name: string, audience: Record<string, string[]>, key = randomUUID()) => {
    const { status, body } = await system.call(
      'mailing',
      'POST',
      '/v1/campaigns',
      {
        name,
        letter: {
          template: 'Dear {{customer.name}},\n\nour new conference rates for {{customer.address.city}}.',
        },
        notice: {
          subject: 'A letter is on its way: {{campaign.name}}',
          template: 'Hello {{customer.name}}, our letter arrives around {{campaign.expectedDeliveryDate}}.',
        },
        audience,
        expectedDeliveryDate: new Date(Date.now() + 7 * 24 * 60 * MINUTE).toISOString().slice(0, 10),
      },
      { 'Idempotency-Key': key },
    );
    expect(status).toBe(202);
    return body as unknown as Campaign;
  };
  const completed = (campaignId: string) =>
    waitFor(
      async () => {
        const { body } = await system.call('mailing', 'GET', `/v1/campaigns/${campaignId}`);
        return body.status === 'COMPLETED' ? (body as unknown as Campaign) : undefined;
      },
      { description: `campaign ${campaignId} to complete`, timeoutMs: 60_000 },
    );
  const notices = async (email: string) =>
    (await mail.to(email)).filter((m) => m.subject.startsWith('A letter is on its way'));

  it('prints and announces a campaign once per consenting customer, and redelivered events add nothing', async () => {
    const [alpha, beta, gamma] = await Promise.all([
      register({ segment: 'PUBLIC_SECTOR', country: 'AT', marketingConsent: true }),
      register({ segment: 'PUBLIC_SECTOR', country: 'AT', marketingConsent: true }),
      register({ segment: 'PUBLIC_SECTOR', country: 'AT', marketingConsent: false }),
    ]);
    const outsider = await register({ segment: 'ENTERPRISE', country: 'AT', marketingConsent: true });
    await system.caughtUp('mailing', ['crm.customer-registered.v1']);

    const key = randomUUID();
    const created = await startCampaign(
      'Rates 2027',
      { segments: ['PUBLIC_SECTOR'], countries: ['AT'] },
      key,
    );
    expect(created.counts.recipients).toBe(3);
    const done = await completed(created.id);
    expect(done.counts).toEqual({
      lettersPrinted: 2,
      noticesSent: 2,
      skippedNoConsent: 1,
      failed: 0,
      recipients: 3,
    });
    expect(await letters(created.id)).toEqual([`${alpha?.id}.pdf`, `${beta?.id}.pdf`].sort());
    for (const customer of [alpha, beta]) {
      const [notice] = await waitFor(
        async () => {
          const found = await notices(customer?.email ?? '');
          return found.length > 0 ? found : undefined;
        },
        { description: 'the campaign notice', timeoutMs: 30_000 },
      );
      expect(notice?.text).toContain('Hello Muster GmbH, our letter arrives around');
    }
    expect(await mail.to(gamma?.email ?? '')).toHaveLength(0);
    expect(await mail.to(outsider.email)).toHaveLength(0);

    // Every event mailing has consumed is delivered to it again, and the request is retried.
    await system.shutdown('mailing');
    await system.rewind('mailing', MAILING_TOPICS);
    await system.restart('mailing');
    const retried = await startCampaign(
      'Rates 2027',
      { segments: ['PUBLIC_SECTOR'], countries: ['AT'] },
      key,
    );
    expect(retried.id).toBe(created.id);
    await system.caughtUp('mailing', MAILING_TOPICS);
    // The restarted process was handed the crm events again (its counter starts at zero).
    const metrics = await (await fetch(`${system.url.mailing}/metrics`)).text();
    const redelivered = /messaging_consumed_total\{topic="crm\.customer-registered\.v1"[^}]*\} (\d+)/.exec(
      metrics,
    );
    expect(Number(redelivered?.[1])).toBeGreaterThanOrEqual(4);
    // A booking after the redelivery: its confirmation is sent after anything the redelivery queued.
    const placed = await system.call(
      'orders',
      'POST',
      '/v1/orders',
      {
        customerId: alpha?.id,
        title: 'After the redelivery',
        startsAt: new Date(Date.now() + 48 * 60 * MINUTE).toISOString(),
        durationMinutes: 30,
        expectedParticipants: 2,
      },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(placed.status).toBe(202);
    await waitFor(
      async () =>
        (await mail.to(alpha?.email ?? '')).some((m) => m.text.includes(String(placed.body.id)))
          ? true
          : undefined,
      { description: 'the confirmation of the later booking', timeoutMs: 30_000 },
    );

    expect(await letters(created.id)).toHaveLength(2);
    expect(await notices(alpha?.email ?? '')).toHaveLength(1);
    expect(await notices(beta?.email ?? '')).toHaveLength(1);
    expect(await mail.to(beta?.email ?? '')).toHaveLength(1);
    expect(await mail.to(gamma?.email ?? '')).toHaveLength(0);
    const after = await completed(created.id);
    expect(after.counts).toEqual(done.counts);
  });

  it('finishes a campaign after mailing is killed midway, with no letter or notice missing or doubled', async () => {
    const audience = await Promise.all(
      Array.from({ length: 8 }, () =>
        register({ segment: 'CONSUMER', country: 'BE', marketingConsent: true }),
      ),
    );
    await system.caughtUp('mailing', ['crm.customer-registered.v1']);
    const created = await startCampaign('Spring rates', { segments: ['CONSUMER'], countries: ['BE'] });
    expect(created.counts.recipients).toBe(8);

    // Killed while it waits between two recipients (CAMPAIGN_PACE_MS), after the third notice.
    await waitFor(
      async () => {
        const { body } = await system.call('mailing', 'GET', `/v1/campaigns/${created.id}`);
        return (body as unknown as Campaign).counts.noticesSent >= 3 ? true : undefined;
      },
      { description: 'three notices to be sent', timeoutMs: 30_000, intervalMs: 50 },
    );
    await system.kill('mailing');
    const printedBefore = (await letters(created.id)).length;
    expect(printedBefore).toBeGreaterThanOrEqual(3);
    expect(printedBefore).toBeLessThan(8);

    await system.restart('mailing');
    const done = await completed(created.id);
    expect(done.counts).toEqual({
      lettersPrinted: 8,
      noticesSent: 8,
      skippedNoConsent: 0,
      failed: 0,
      recipients: 8,
    });
    expect(await letters(created.id)).toEqual(audience.map((c) => `${c.id}.pdf`).sort());
    for (const customer of audience) {
      await waitFor(async () => ((await notices(customer.email)).length > 0 ? true : undefined), {
        description: 'every notice',
        timeoutMs: 30_000,
      });
    }
    for (const customer of audience) expect(await notices(customer.email)).toHaveLength(1);
    const sent = await system.topics.read(
      'mailing.message-sent.v1',
      (es) => new Set(es.filter((e) => e.relatedId === created.id).map((e) => e.messageId)).size >= 16,
    );
    // One message per letter and per notice. (The bus delivers at least once: an event the killed
    // process had published but not yet marked may come twice, with the same ids.)
    const ofCampaign = sent.filter((e) => e.relatedId === created.id);
    const messages = (channel: string) =>
      new Set(ofCampaign.filter((e) => e.channel === channel).map((e) => e.messageId));
    expect(messages('PRINT').size).toBe(8);
    expect(messages('EMAIL').size).toBe(8);
    expect(new Set(ofCampaign.map((e) => e.messageId)).size).toBe(16);
  });
});
