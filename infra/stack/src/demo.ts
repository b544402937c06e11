#!/usr/bin/env node
/**
 * `pnpm demo`: the booking flow on the running system — a customer with a contract in crm, a
 * conference booked in orders, reserved by conference-bridge — then where to find its trace.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveEndpoints } from './endpoints.ts';

const CRM = process.env.CRM_URL ?? 'http://127.0.0.1:3005';
const ORDERS = process.env.ORDERS_URL ?? 'http://127.0.0.1:3001';
const print = (line: string): void => console.log(line);

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
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

async function main(): Promise<void> {
  const customer = await call('POST', `${CRM}/v1/customers`, {
    name: 'Demo Konferenz GmbH',
    email: `demo-${randomUUID().slice(0, 8)}@example.com`,
    phone: '+49 30 1234567',
    address: { street: 'Hauptstraße 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    segment: 'SMALL_BUSINESS',
  });
  if (customer.status !== 201)
    throw new Error(`crm answered ${customer.status}: ${JSON.stringify(customer.body)}`);
  const customerId = String(customer.body.id);
  print(`1. crm registered customer ${customerId}`);

  const contract = await call('PUT', `${CRM}/v1/customers/${customerId}/contract`, {
    currency: 'EUR',
    perParticipantMinute: 12,
    tollFreeSurchargePerMinute: 5,
    recordingPerMinute: 2,
    minimumChargePerCall: 100,
  });
  print(
    `2. crm set contract rates version ${String(contract.body.version)} (EUR 0.12 per participant-minute)`,
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
        customerId,
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
  if (settled.dialIn) print(`   dial-in ${JSON.stringify(settled.dialIn)}`);
  if (settled.rejection) print(`   rejected: ${JSON.stringify(settled.rejection)}`);

  const { jaegerQueryUrl } = resolveEndpoints();
  const search = `${jaegerQueryUrl}/api/traces?service=orders&tags=${encodeURIComponent(
    JSON.stringify({ 'messaging.kafka.message.key': orderId }),
  )}`;
  const traceId = await until(
    'the trace to reach Jaeger',
    async () => {
      const response = await fetch(search).catch(() => undefined);
      if (!response?.ok) return undefined;
      const { data } = (await response.json()) as { data: { traceID: string }[] };
      return data[0]?.traceID;
    },
    30,
  ).catch(() => undefined);
  print('5. its trace in Jaeger:');
  print(traceId ? `   ${jaegerQueryUrl}/api/traces/${traceId}` : `   search: ${search}`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
