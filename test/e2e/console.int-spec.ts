import { randomUUID } from 'node:crypto';
import { TOPICS } from '@switchboard/contracts';
import { testMeta, waitFor } from '@switchboard/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '@switchboard/stack';
import { type RunningConsole, signIn, startConsole } from './console.ts';
import { startSystem, type System } from './system.ts';

const MINUTE = 60_000;
const RATES = {
  currency: 'EUR',
  perParticipantMinute: 12,
  tollFreeSurchargePerMinute: 5,
  recordingPerMinute: 2,
  minimumChargePerCall: 100,
};

/**
 * The flow console in Debian's Chromium, on the real stack and all five services: a person signs
 * in at the identity provider, follows a booking and an invoice across the services, replays a
 * parked event once, and reads the event API.
 */
describe('the flow console in a browser', () => {
  let system: System;
  let console_: RunningConsole;
  let browser: Browser;

  beforeAll(async () => {
    system = await startSystem(['crm', 'orders', 'conference-bridge', 'billing', 'mailing'], {
      'conference-bridge': {
        BRIDGES: JSON.stringify([
          { id: 'console', name: 'Console bridge', dialInNumber: '+49 30 5550199', ports: 50 },
        ]),
      },
    });
    console_ = await startConsole(system);
    browser = await launchBrowser();
  }, 300_000);

  afterEach(({ task }) => {
    if (task.result?.state !== 'fail') return;
    console.error(`--- console log (end) ---\n${console_?.log().slice(-4000)}`);
  });

  afterAll(async () => {
    await browser?.close();
    await console_?.stop();
    await system?.stop();
  });

  /** A customer with a contract, a confirmed booking and its access code. */
  async function bookedCustomer(): Promise<{ customerId: string; orderId: string; accessCode: string }> {
    const { body: customer } = await system.call('crm', 'POST', '/v1/customers', {
      name: 'Konsole GmbH',
      email: `console-${randomUUID().slice(0, 12)}@muster.example`,
      address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      segment: 'SMALL_BUSINESS',
      marketingConsent: false,
    });
    const customerId = String(customer.id);
    const monthStart = new Date();
    monthStart.setUTCDate(1);
    monthStart.setUTCHours(0, 0, 0, 0);
    await system.call('crm', 'PUT', `/v1/customers/${customerId}/contract`, {
      ...RATES,
      effectiveFrom: new Date(Math.min(monthStart.getTime(), Date.now() - 2 * 60 * MINUTE)).toISOString(),
    });
    const placed = await waitFor(
      async () => {
        const response = await system.call(
          'orders',
          'POST',
          '/v1/orders',
          {
            customerId,
            title: 'Console review',
            startsAt: new Date(Date.now() + 24 * 60 * MINUTE).toISOString(),
            durationMinutes: 60,
            expectedParticipants: 4,
            features: { recording: false, tollFree: false },
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
    return { customerId, orderId, accessCode: (order.dialIn as { accessCode: string }).accessCode };
  }

  /** Searches the console and waits until the flow shows every one of `services` (traces arrive in batches). */
  async function search(page: Page, kind: string, key: string, services: readonly string[]): Promise<void> {
    await waitFor(
      async () => {
        await page.goto(`${console_.url}/`);
        await page.locator('#kind').selectOption(kind);
        await page.locator('#key').fill(key);
        await Promise.all([
          page.waitForURL(/\/flows\?/),
          page.getByRole('button', { name: 'Search' }).click(),
        ]);
        const shown: (string | null)[] = [];
        for (const row of await page.locator('[data-testid=timeline] tr[data-service]').all())
          shown.push(await row.getAttribute('data-service'));
        return services.every((s) => shown.includes(s)) ? true : undefined;
      },
      {
        description: `the flow of ${kind} ${key} through ${services.join(', ')}`,
        timeoutMs: 60_000,
        intervalMs: 2000,
      },
    );
  }

  it("signs in at the identity provider and finds a booking's flow by its order id: orders, bridge, mailing", async () => {
    const { orderId } = await bookedCustomer();
    const page = await signIn(browser, console_.url, 'operator');
    await expect(page.getByTestId('viewer').textContent()).resolves.toBe('operator');
    await search(page, 'order', orderId, ['orders', 'conference-bridge', 'mailing']);
    const steps = await page.locator('[data-testid=timeline] tr[data-service]').allTextContents();
    expect(steps.some((s) => s.includes('POST /v1/orders'))).toBe(true);
    expect(steps.some((s) => /process \S*conference\.bridge-reserved\.v1/.test(s))).toBe(true);
    // Each hop is shown against its topic's objective, and the waterfall draws every span.
    await expect(page.locator('[data-testid=timeline]').first().textContent()).resolves.toContain(
      '/ 2000 ms',
    );
    expect(await page.locator('[data-testid=waterfall] .bar').count()).toBeGreaterThan(steps.length);
    await page.context().close();
  });

  it("finds a call's flow through billing and crm by the invoice's number", async () => {
    const { customerId, accessCode } = await bookedCustomer();
    const callId = `call-${randomUUID()}`;
    const started = Date.now() - 30 * MINUTE;
    for (const [i, event] of [
      { type: 'CALL_STARTED', at: started, accessCode },
      { type: 'PARTICIPANT_JOINED', at: started, participantId: 'a' },
      { type: 'PARTICIPANT_LEFT', at: started + 5 * MINUTE, participantId: 'a' },
      { type: 'CALL_ENDED', at: started + 6 * MINUTE },
    ].entries()) {
      const { at, ...rest } = event;
      const { status } = await system.call('conference-bridge', 'POST', `/v1/calls/${callId}/events`, {
        ...rest,
        eventId: `e${i}`,
        at: new Date(at).toISOString(),
      });
      expect(status).toBe(202);
    }
    const charged = (
      await system.topics.read('billing.call-charged.v1', (es) => es.some((e) => e.customerId === customerId))
    ).find((e) => e.customerId === customerId);
    const closing = await system.call('billing', 'POST', `/v1/billing-periods/${charged?.period}/close`, {
      customerId,
    });
    expect(closing.status).toBe(202);
    const invoice = await waitFor(
      async () => {
        const { body } = await system.call('billing', 'GET', `/v1/invoices?customerId=${customerId}`);
        return (body.items as { number?: string }[] | undefined)?.find((i) => i.number);
      },
      { description: 'the invoice to be issued', timeoutMs: 60_000 },
    );
    const page = await signIn(browser, console_.url, 'operator');
    await search(page, 'invoiceNumber', String(invoice.number), ['conference-bridge', 'billing', 'crm']);
    const text = (await page.locator('[data-testid=timeline]').allTextContents()).join('\n');
    expect(text).toMatch(/process \S*conference\.call-completed\.v1/);
    expect(text).toMatch(/process \S*billing\.call-charged\.v1/);
    await page.context().close();
  });

  it('shows a parked event under dead letters, personal data masked, and replays it once, audited', async () => {
    // A call that ends before it starts: billing parks it as nonsense, whatever its retries.
    const startedAt = Date.now() - 10 * MINUTE;
    const callerNumber = '+49 30 1234567';
    const poison = {
      meta: testMeta('conference-bridge'),
      callId: randomUUID(),
      bridgeCallId: null,
      customerId: randomUUID(),
      orderId: null,
      reservationId: null,
      bridgeId: 'console',
      startedAt,
      endedAt: startedAt - MINUTE,
      participants: [
        {
          participantId: 'a',
          callerNumber,
          tollFree: false,
          joinedAt: startedAt,
          leftAt: startedAt + MINUTE,
        },
      ],
      recordingSeconds: 0,
    };
    await system.topics.publish('conference.call-completed.v1', poison);
    const queue = `/dead-letters/conference.call-completed.v1/billing`;

    const operator = await signIn(browser, console_.url, 'operator');
    const row = operator.locator(`[data-testid=records] tr`, { hasText: poison.callId });
    await waitFor(
      async () => {
        await operator.goto(`${console_.url}${queue}`);
        return (await row.count()) > 0 ? true : undefined;
      },
      { description: 'the parked call under dead letters', timeoutMs: 60_000, intervalMs: 2000 },
    );
    const shown = await row.first().textContent();
    expect(shown).toContain('ImplausibleEventError');
    expect(shown).not.toContain(callerNumber);
    expect(shown).toContain('•••');

    // The auditor may see personal data; the observer may look but not replay.
    const auditor = await signIn(browser, console_.url, 'auditor');
    await auditor.goto(`${console_.url}${queue}`);
    await expect(
      auditor.locator(`[data-testid=records] tr`, { hasText: poison.callId }).first().textContent(),
    ).resolves.toContain(callerNumber);
    await auditor.context().close();
    const observer = await signIn(browser, console_.url, 'observer');
    await observer.goto(`${console_.url}${queue}`);
    expect(
      await observer
        .locator(`[data-testid=records] tr`, { hasText: poison.callId })
        .getByTestId('replay-one')
        .count(),
    ).toBe(0);
    const forged = await observer.request.post(`${console_.url}${queue}/replay`, { form: { csrf: 'x' } });
    expect(forged.status()).toBe(403);
    await observer.context().close();

    await Promise.all([operator.waitForURL(/replayed=1/), row.first().getByTestId('replay-one').click()]);
    await expect(operator.getByTestId('flash').textContent()).resolves.toContain(
      '1 dead letter(s) sent back',
    );
    await expect(
      operator
        .locator(`[data-testid=records] tr`, { hasText: poison.callId })
        .first()
        .getByTestId('replayed')
        .count(),
    ).resolves.toBe(1);
    // Once: the topic holds the event a second time (billing parks it again: it is still nonsense),
    // and a second replay of the same record is refused.
    const sent = await system.topics.read(
      'conference.call-completed.v1',
      (es) => es.filter((e) => e.callId === poison.callId).length >= 2,
    );
    expect(sent.filter((e) => e.callId === poison.callId)).toHaveLength(2);
    const replayedAt = (await row.first().getAttribute('data-offset')) ?? '';
    const csrf = await operator.locator('input[name=csrf]').first().inputValue();
    const again = await operator.request.post(`${console_.url}${queue}/replay`, {
      form: { csrf, at: replayedAt },
    });
    expect(again.status()).toBe(409);
    await waitFor(
      async () => {
        await operator.goto(`${console_.url}${queue}`);
        return (await row.count()) === 2 ? true : undefined;
      },
      { description: 'the replayed call parked again beside the first', timeoutMs: 60_000, intervalMs: 2000 },
    );
    await operator.goto(`${console_.url}/dead-letters`);
    const audit = (await operator.getByTestId('audit').textContent())?.replace(/\s+/g, ' ');
    expect(audit).toContain('operator');
    expect(audit).toContain('one record of conference.call-completed.v1 for billing');
    await operator.context().close();
  });

  it('renders the AsyncAPI document with every topic', async () => {
    const page = await signIn(browser, console_.url, 'observer');
    await page.goto(`${console_.url}/asyncapi`);
    const rendered = page.getByTestId('asyncapi');
    await waitFor(
      async () => ((await rendered.textContent())?.includes('Switchboard events') ? true : undefined),
      { description: 'the AsyncAPI component to render', timeoutMs: 30_000, intervalMs: 500 },
    );
    const text = (await rendered.textContent()) ?? '';
    for (const topic of Object.keys(TOPICS)) expect(text, topic).toContain(topic);
    const yaml = await page.request.get(`${console_.url}/asyncapi.yaml`);
    expect(yaml.status()).toBe(200);
    expect(await yaml.text()).toContain('asyncapi: 3.0.0');
    await page.context().close();
  });

  it('shows each service ready, the topics with their lag, and asks anyone not signed in to sign in', async () => {
    const page = await signIn(browser, console_.url, 'observer');
    await page.goto(`${console_.url}/status`);
    const statuses = await page.locator('[data-testid=services] [data-testid=status]').allTextContents();
    expect(statuses).toEqual(['up', 'up', 'up', 'up', 'up']);
    await page.goto(`${console_.url}/topics`);
    expect(await page.locator('[data-testid=catalog] tr[data-topic]').count()).toBe(
      Object.keys(TOPICS).length,
    );
    expect(await page.locator('[data-testid=lag] tbody tr').count()).toBeGreaterThan(0);
    await page.context().close();
    const anonymous = await fetch(`${console_.url}/dead-letters`, {
      redirect: 'manual',
      headers: { Accept: 'text/html' },
    });
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/login\?next=/);
  });
});
