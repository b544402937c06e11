#!/usr/bin/env node
/**
 * `pnpm demo`: the whole business on the running system — a customer with a contract in crm, a
 * conference booked in orders and reserved by conference-bridge, the confirmation email, a call
 * rated by billing and shown in crm, the customer's period closed into an invoice emailed with its PDF, and
 * a campaign printed and announced by mailing — then where to look.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ClientCredentials, consoleUrlFromEnv, serviceUrlFromEnv, tokenUrlOf } from '@switchboard/config';
import { resolveEndpoints } from './endpoints.ts';
import { readClientSecret } from './secrets.ts';

const CRM = serviceUrlFromEnv('crm');
const ORDERS = serviceUrlFromEnv('orders');
const BRIDGE = serviceUrlFromEnv('conference-bridge');
const BILLING = serviceUrlFromEnv('billing');
const MAILING = serviceUrlFromEnv('mailing');
/** The flow console (`CONSOLE_URL`, default its port on loopback). */
const CONSOLE = consoleUrlFromEnv();
const MINUTE = 60_000;
const print = (line: string): void => console.log(line);

type Body = Record<string, unknown>;

/**
 * The demo calls the APIs as its own OAuth 2.0 client (`demo`, every scope): with the secret the
 * local stack generated, or `DEMO_CLIENT_ID` and `DEMO_CLIENT_SECRET` against another provider.
 */
let demoClient: ClientCredentials | undefined;
async function bearer(): Promise<string> {
  if (!demoClient) {
    const clientId = process.env.DEMO_CLIENT_ID?.trim() || 'demo';
    demoClient = new ClientCredentials({
      tokenUrl: process.env.OIDC_TOKEN_URL?.trim() || tokenUrlOf(resolveEndpoints().oidcIssuerUrl),
      clientId,
      clientSecret: process.env.DEMO_CLIENT_SECRET?.trim() || (await readClientSecret(clientId)),
    });
  }
  return `Bearer ${await demoClient.token()}`;
}

async function call(method: string, target: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(target, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      Authorization: await bearer(),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Body };
}

async function expectStatus(status: number, answer: Promise<{ status: number; body: Body }>, what: string) {
  const { status: got, body } = await answer;
  if (got !== status) throw new Error(`${what} answered ${got}: ${JSON.stringify(body)}`);
  return body;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${seconds} s`);
    await sleep(500);
  }
}

const euros = (money: unknown): string => {
  const { amountMinor, currency } = money as { amountMinor: number; currency: string };
  return `${currency} ${(amountMinor / 100).toFixed(2)}`;
};

async function register(name: string, segment: string, country: string, marketingConsent: boolean) {
  const email = `demo-${randomUUID().slice(0, 8)}@example.com`;
  const body = await expectStatus(
    201,
    call('POST', `${CRM}/v1/customers`, {
      name,
      email,
      phone: '+49 30 1234567',
      address: { street: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country },
      segment,
      marketingConsent,
    }),
    'crm',
  );
  return { id: String(body.id), email };
}

async function mailTo(address: string): Promise<{ subject: string; attachments?: unknown[] }[]> {
  const response = await fetch(`${resolveEndpoints().mailApiUrl}/email`).catch(() => undefined);
  if (!response?.ok) return [];
  const all = (await response.json()) as {
    subject: string;
    to: { address: string }[];
    attachments?: unknown[];
  }[];
  return all.filter((m) => m.to.some((to) => to.address === address));
}

async function traceOf(service: string, key: string): Promise<string | undefined> {
  const { jaegerQueryUrl } = resolveEndpoints();
  const search = `${jaegerQueryUrl}/api/traces?service=${service}&tags=${encodeURIComponent(
    JSON.stringify({ 'messaging.kafka.message.key': key }),
  )}`;
  return until(
    'the trace to reach Jaeger',
    async () => {
      const response = await fetch(search).catch(() => undefined);
      if (!response?.ok) return undefined;
      const { data } = (await response.json()) as { data: { traceID: string }[] };
      return data[0] ? `${jaegerQueryUrl}/api/traces/${data[0].traceID}` : undefined;
    },
    30,
  ).catch(() => search);
}

async function callEvents(accessCode: string, startedAt: number): Promise<void> {
  // Two participants (one toll-free) and a recording: 11 + 4 participant-minutes, 3 recording minutes.
  const events = [
    { type: 'CALL_STARTED', at: 0, accessCode },
    { type: 'PARTICIPANT_JOINED', at: 0, participantId: 'host', callerNumber: '+49 30 1111111' },
    { type: 'PARTICIPANT_JOINED', at: MINUTE, participantId: 'guest', tollFree: true },
    { type: 'RECORDING_STARTED', at: MINUTE },
    { type: 'RECORDING_STOPPED', at: 3 * MINUTE + 5000 },
    { type: 'PARTICIPANT_LEFT', at: 5 * MINUTE, participantId: 'guest' },
    { type: 'PARTICIPANT_LEFT', at: 10 * MINUTE + 1000, participantId: 'host' },
    { type: 'CALL_ENDED', at: 11 * MINUTE },
  ];
  const callId = `demo-call-${randomUUID()}`;
  for (const [i, { at, ...event }] of events.entries()) {
    await expectStatus(
      202,
      call('POST', `${BRIDGE}/v1/calls/${callId}/events`, {
        ...event,
        eventId: `demo-${i}`,
        at: new Date(startedAt + at).toISOString(),
      }),
      'conference-bridge',
    );
  }
}

/** The business keys of the flows a demo run made: what the console finds them by. */
export interface DemoFlows {
  readonly customerId: string;
  readonly orderId: string;
  readonly invoiceNumber: string;
  readonly campaignId: string;
}

/** Runs the demo on the running system, printing each step; its flows' keys. */
export async function runDemo(): Promise<DemoFlows> {
  const customer = await register('Demo Konferenz GmbH', 'SMALL_BUSINESS', 'DE', false);
  print(`1. crm registered customer ${customer.id} (${customer.email})`);

  // Effective from the start of the month (or two hours ago, early on the 1st): the call below falls in it.
  const monthStart = new Date();
  monthStart.setUTCDate(1);
  monthStart.setUTCHours(0, 0, 0, 0);
  const contract = await expectStatus(
    200,
    call('PUT', `${CRM}/v1/customers/${customer.id}/contract`, {
      currency: 'EUR',
      perParticipantMinute: 12,
      tollFreeSurchargePerMinute: 5,
      recordingPerMinute: 2,
      minimumChargePerCall: 100,
      effectiveFrom: new Date(Math.min(monthStart.getTime(), Date.now() - 2 * 60 * MINUTE)).toISOString(),
    }),
    'crm',
  );
  print(
    `2. crm set contract rates version ${String(contract.version)}: EUR 0.12 per participant-minute, 0.05 toll-free, 0.02 recording, minimum 1.00`,
  );

  const startsAt = new Date(Date.now() + 86_400_000);
  startsAt.setUTCMinutes(0, 0, 0);
  const key = randomUUID();
  // orders learns about the customer from crm's event, a moment after registration.
  const order = await until('orders to know the customer', async () => {
    const placed = await call(
      'POST',
      `${ORDERS}/v1/orders`,
      {
        customerId: customer.id,
        title: 'Demo: quarterly review',
        startsAt: startsAt.toISOString(),
        durationMinutes: 60,
        expectedParticipants: 8,
        features: { recording: true, tollFree: true },
      },
      { 'Idempotency-Key': key },
    );
    if (placed.status === 202) return placed.body;
    if (placed.body.code !== 'UNKNOWN_CUSTOMER')
      throw new Error(`orders answered ${placed.status}: ${JSON.stringify(placed.body)}`);
    return undefined;
  });
  const orderId = String(order.id);
  print(`3. orders took order ${orderId} (${String(order.status)})`);

  const settled = await until('the bridge to answer', async () => {
    const now = await call('GET', `${ORDERS}/v1/orders/${orderId}`);
    return now.body.status === 'PENDING' ? undefined : now.body;
  });
  print(`4. order ${orderId} is ${String(settled.status)}`);
  if (!settled.dialIn) throw new Error(`the bridge did not reserve it: ${JSON.stringify(settled.rejection)}`);
  const { number, accessCode } = settled.dialIn as { number: string; accessCode: string };
  print(`   dial-in ${number}, access code ${accessCode}`);

  const confirmation = await until('the confirmation email', async () => (await mailTo(customer.email))[0]);
  print(`5. mailing emailed the confirmation: "${confirmation.subject}"`);

  const callStart = Date.now() - 40 * MINUTE;
  await callEvents(accessCode, callStart);
  const invoice = await until('billing to rate the call', async () => {
    const { body } = await call('GET', `${BILLING}/v1/invoices?customerId=${customer.id}&status=OPEN`);
    return (body.items as Body[] | undefined)?.[0];
  });
  print(
    `6. the bridge reported the call; billing rated it at ${euros(invoice.total)}: (11 + 4) participant-minutes × 0.12 + 4 toll-free × 0.05 + 3 recording × 0.02`,
  );
  const profile = await until('crm to show the charges', async () => {
    const { body } = await call('GET', `${CRM}/v1/customers/${customer.id}`);
    return (body.billing as Body | null)?.currentPeriod as Body | undefined;
  });
  print(
    `7. crm shows period ${String(profile.period)}: ${euros(profile.chargesToDate)} for ${String(profile.callCount)} call(s)`,
  );

  // Only this customer's invoice: on a system in use, the demo must not close everyone's month.
  const period = String(invoice.period);
  const closing = await expectStatus(
    202,
    call('POST', `${BILLING}/v1/billing-periods/${period}/close`, { customerId: customer.id }),
    'billing',
  );
  const closed = await until("billing to close the customer's period", async () => {
    const { body } = await call(
      'GET',
      `${BILLING}/v1/billing-periods/${period}/closes/${String(closing.id)}`,
    );
    return body.status === 'COMPLETED' ? body : undefined;
  });
  const { body: byClose } = await call('GET', `${BILLING}/v1/invoices?closeId=${String(closed.id)}`);
  const issued = (byClose.items as Body[] | undefined)?.[0] ?? invoice;
  print(
    `8. billing closed ${period} for this customer: invoice ${String(issued.number)} for ${euros(issued.total)}, due ${String(issued.dueDate)}`,
  );
  print(`   PDF: ${BILLING}/v1/invoices/${String(issued.id)}/pdf`);
  const invoiceMail = await until('the invoice email', async () =>
    (await mailTo(customer.email)).find((m) => (m.attachments ?? []).length > 0),
  );
  print(`9. mailing emailed the invoice with its PDF: "${invoiceMail.subject}"`);

  const audience = await Promise.all([
    register('Demo Amt Nord', 'PUBLIC_SECTOR', 'LU', true),
    register('Demo Amt Süd', 'PUBLIC_SECTOR', 'LU', true),
    register('Demo Amt West', 'PUBLIC_SECTOR', 'LU', false),
  ]);
  // mailing learns the contacts from crm's events; a campaign's audience is who it knows then.
  for (const { id } of audience) {
    await until('mailing to learn the new contacts', async () =>
      (await call('GET', `${MAILING}/v1/contacts/${id}`)).status === 200 ? true : undefined,
    );
  }
  const delivery = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
  const campaign = await expectStatus(
    202,
    call(
      'POST',
      `${MAILING}/v1/campaigns`,
      {
        name: 'Demo: new conference rates',
        letter: {
          template:
            'Dear {{customer.name}},\n\nfrom next month your conferences in {{customer.address.city}} cost less. Details enclosed.\n\nYour Switchboard team',
        },
        notice: {
          subject: 'A letter is on its way to {{customer.name}}',
          template:
            'Hello {{customer.name}}, a letter about "{{campaign.name}}" will arrive around {{campaign.expectedDeliveryDate}}.',
        },
        audience: { segments: ['PUBLIC_SECTOR'], countries: ['LU'] },
        expectedDeliveryDate: delivery,
      },
      { 'Idempotency-Key': randomUUID() },
    ),
    'mailing',
  );
  const campaignId = String(campaign.id);
  const done = await until('the campaign to complete', async () => {
    const { body } = await call('GET', `${MAILING}/v1/campaigns/${campaignId}`);
    return body.status === 'COMPLETED' ? body : undefined;
  });
  const counts = done.counts as Record<string, number>;
  print(
    `10. campaign ${campaignId} COMPLETED: ${counts.recipients} recipient(s) in PUBLIC_SECTOR/LU (this run's ${audience.length}, one without consent, and earlier runs'), ${counts.lettersPrinted} letter(s) printed, ${counts.noticesSent} notice(s) sent, ${counts.skippedNoConsent} skipped without consent, ${counts.failed} failed`,
  );

  const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..', '..');
  print('Where to look:');
  print(`   mail (confirmation, invoice, notices): ${resolveEndpoints().mailApiUrl}`);
  print(
    `   print spool (one PDF per letter):      ${resolve(root, 'services/mailing', process.env.PRINT_SPOOL_DIR ?? '.data/mailing/print-spool', campaignId)}`,
  );
  print(`   booking trace (orders → bridge → confirmation email): ${await traceOf('orders', orderId)}`);
  const callIdForTrace = await until('the charged call', async () => {
    const { body } = await call('GET', `${BILLING}/v1/invoices/${String(issued.id)}`);
    return ((body.calls as Body[] | undefined)?.[0]?.callId as string | undefined) ?? undefined;
  });
  print(
    `   call trace (bridge → billing → crm → invoice email):   ${await traceOf('billing', callIdForTrace)}`,
  );
  // The console finds each flow by the key a person has; it asks to sign in first (operator).
  const flows = (kind: string, key: string): string =>
    `${CONSOLE}/flows?${new URLSearchParams({ kind, key }).toString()}`;
  print('In the flow console (sign in as operator):');
  print(`   the booking, by its order id:   ${flows('order', orderId)}`);
  print(`   the calls, by the invoice:      ${flows('invoiceNumber', String(issued.number))}`);
  print(`   the campaign:                   ${flows('campaign', campaignId)}`);
  print(`   the customer's every flow:      ${flows('customer', customer.id)}`);
  print(`   dead letters, topics, health:   ${CONSOLE}/dead-letters  ${CONSOLE}/topics  ${CONSOLE}/status`);
  return { customerId: customer.id, orderId, invoiceNumber: String(issued.number), campaignId };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDemo().catch((error: unknown) => {
    console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
