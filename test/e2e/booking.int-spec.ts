import { randomUUID } from 'node:crypto';
import { JaegerReader, stackEndpoints, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServiceName, startSystem, type System } from './system.ts';

const SERVICES = ['crm', 'orders', 'conference-bridge'] as const;

/** The three services as real processes, built from source, on this test's topics. */
describe('booking a conference across crm, orders and conference-bridge', () => {
  let system: System;

  const call = (name: ServiceName, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    system.call(
      name,
      body === undefined ? 'GET' : path.endsWith('/contract') ? 'PUT' : 'POST',
      path,
      body,
      headers,
    );
  const book = (customerId: string, startsAt: number, participants: number, key = randomUUID()) =>
    call(
      'orders',
      '/v1/orders',
      {
        customerId,
        title: 'Quarterly review',
        startsAt: new Date(startsAt).toISOString(),
        durationMinutes: 60,
        expectedParticipants: participants,
        features: { recording: true, tollFree: true },
      },
      { 'Idempotency-Key': key },
    );
  const settled = (orderId: string) =>
    waitFor(
      async () => {
        const { body } = await call('orders', `/v1/orders/${orderId}`);
        return body.status === 'PENDING' ? undefined : body;
      },
      { description: `order ${orderId} to be answered`, timeoutMs: 30_000 },
    );
  const newCustomer = async (): Promise<string> => {
    const { status, body } = await call('crm', '/v1/customers', {
      name: 'Muster GmbH',
      email: `office-${randomUUID().slice(0, 8)}@muster.example`,
      address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', country: 'DE' },
      segment: 'SMALL_BUSINESS',
    });
    expect(status).toBe(201);
    const id = String(body.id);
    const contract = await call('crm', `/v1/customers/${id}/contract`, {
      currency: 'EUR',
      perParticipantMinute: 12,
      tollFreeSurchargePerMinute: 5,
      recordingPerMinute: 2,
      minimumChargePerCall: 100,
    });
    expect(contract.status).toBe(200);
    return id;
  };

  beforeAll(async () => {
    system = await startSystem(SERVICES, {
      'conference-bridge': {
        BRIDGES: JSON.stringify([
          { id: 'e2e', name: 'E2E bridge', dialInNumber: '+49 30 5550142', ports: 20 },
        ]),
      },
    });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('confirms a booking with dial-in details, once per Idempotency-Key, as one trace in Jaeger', async () => {
    const customerId = await newCustomer();
    const startsAt = Date.UTC(2032, 1, 2, 9);
    const key = randomUUID();
    const placed = await waitFor(
      async () => {
        const response = await book(customerId, startsAt, 8, key);
        return response.status === 202 ? response.body : undefined;
      },
      { description: 'orders to learn the customer from crm', timeoutMs: 30_000 },
    );
    const orderId = String(placed.id);
    const again = await book(customerId, startsAt, 8, key);
    expect(again.body.id).toBe(orderId);

    const order = await settled(orderId);
    expect(order.status).toBe('CONFIRMED');
    const dialIn = order.dialIn as { number: string; accessCode: string };
    expect(dialIn.number).toBe('+49 30 5550142');
    expect(dialIn.accessCode).toMatch(/^\d{8}$/);
    const list = await call('orders', `/v1/orders?customerId=${customerId}`);
    expect((list.body.items as unknown[]).length).toBe(1);

    const jaeger = new JaegerReader(stackEndpoints().jaegerQueryUrl);
    const services = await waitFor(
      async () => {
        const [trace] = await jaeger.find('orders', { 'messaging.kafka.message.key': orderId });
        if (!trace) return undefined;
        const names = new Set(trace.spans.map((s) => trace.processes[s.processID]?.serviceName));
        const operations = trace.spans.map((s) => s.operationName);
        return names.has('conference-bridge') && operations.some((o) => o.includes('bridge-reserved'))
          ? { names, operations }
          : undefined;
      },
      { description: 'the booking trace in Jaeger', timeoutMs: 30_000 },
    );
    expect([...services.names].sort()).toEqual(['conference-bridge', 'orders']);
    // Topic names in span names carry this test's prefix.
    const expected = [
      /^POST \/v1\/orders$/,
      /^publish \S*orders\.order-placed\.v1$/,
      /^process \S*orders\.order-placed\.v1$/,
    ];
    for (const operation of expected) {
      expect(
        services.operations.some((o) => operation.test(o)),
        String(operation),
      ).toBe(true);
    }
  });

  it('rejects an over-capacity booking with the reason, and books it once a cancellation frees the ports', async () => {
    const customerId = await newCustomer();
    const startsAt = Date.UTC(2032, 1, 3, 9);
    const first = await waitFor(
      async () => {
        const response = await book(customerId, startsAt, 15);
        return response.status === 202 ? String(response.body.id) : undefined;
      },
      { description: 'orders to learn the customer', timeoutMs: 30_000 },
    );
    expect((await settled(first)).status).toBe('CONFIRMED');
    const second = String((await book(customerId, startsAt, 10)).body.id);
    const rejected = await settled(second);
    expect(rejected.status).toBe('REJECTED');
    const rejection = rejected.rejection as { reason: string; detail: string };
    expect(rejection.reason).toBe('NO_CAPACITY');
    expect(rejection.detail).toContain('5 of 20');

    expect((await call('orders', `/v1/orders/${first}/cancel`, {})).body.status).toBe('CANCELLED');
    const third = await waitFor(
      async () => {
        const id = String((await book(customerId, startsAt, 10)).body.id);
        const answer = await settled(id);
        return answer.status === 'CONFIRMED' ? answer : undefined;
      },
      { description: 'the freed ports to be bookable', timeoutMs: 30_000 },
    );
    expect(third.dialIn).not.toBeNull();
  });

  it('turns call events into exactly one conference.call-completed', async () => {
    const customerId = await newCustomer();
    const startsAt = Date.UTC(2032, 1, 4, 9);
    const orderId = await waitFor(
      async () => {
        const response = await book(customerId, startsAt, 3);
        return response.status === 202 ? String(response.body.id) : undefined;
      },
      { description: 'orders to learn the customer', timeoutMs: 30_000 },
    );
    const order = await settled(orderId);
    const accessCode = (order.dialIn as { accessCode: string }).accessCode;
    const callId = `call-${randomUUID()}`;
    const at = (minutes: number) => new Date(startsAt + minutes * 60_000).toISOString();
    const events = [
      { type: 'CALL_STARTED', eventId: 's', at: at(0), accessCode },
      { type: 'PARTICIPANT_JOINED', eventId: 'j', at: at(0), participantId: 'p1', tollFree: true },
      { type: 'CALL_ENDED', eventId: 'e', at: at(15) },
    ];
    for (const event of [...events, ...events]) {
      const { status } = await call('conference-bridge', `/v1/calls/${callId}/events`, event);
      expect(status).toBe(202);
    }
    const completed = await system.topics.read('conference.call-completed.v1', (es) =>
      es.some((e) => e.bridgeCallId === callId),
    );
    expect(completed.filter((e) => e.bridgeCallId === callId)).toHaveLength(1);
    expect(completed.find((e) => e.bridgeCallId === callId)).toMatchObject({ customerId, orderId });
  });

  it('answers an invalid booking with 400 problem+json and publishes nothing', async () => {
    const customerId = await newCustomer();
    const invalid = await call(
      'orders',
      '/v1/orders',
      { customerId, title: 'Invalid', startsAt: 'tomorrow', durationMinutes: 60, expectedParticipants: 3 },
      { 'Idempotency-Key': randomUUID() },
    );
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['startsAt']);
    // A valid booking after it is published; the invalid one never was.
    const later = await waitFor(
      async () => {
        const response = await book(customerId, Date.UTC(2032, 1, 5, 9), 3);
        return response.status === 202 ? String(response.body.id) : undefined;
      },
      { description: 'orders to learn the customer', timeoutMs: 30_000 },
    );
    const placed = await system.topics.read('orders.order-placed.v1', (es) =>
      es.some((e) => e.orderId === later),
    );
    expect(placed.filter((e) => e.customerId === customerId).map((e) => e.orderId)).toEqual([later]);
  });

  it("refuses to start a second process on a service's PGlite folder, in one line, and leaves the first running", async () => {
    const { code, output } = await system.second('orders');
    expect(code).toBe(1);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'fatal', event: 'orders.start.failed' });
    expect(lines[0]).toMatch(
      /the PGlite folder .*orders is in use by process \d+; stop it, or give this process a DATA_DIR of its own/,
    );
    expect((await fetch(`${system.url.orders}/health/ready`)).status).toBe(200);
  });
});
