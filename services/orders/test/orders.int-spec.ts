import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, openDatabase } from '@switchboard/database';
import { requestHash } from '@switchboard/http';
import {
  createTestDatabase,
  createTestTopics,
  stackEndpoints,
  startTestService,
  testMeta,
  type TestService,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orders } from '../src/orders.definition.ts';

const booking = (customerId: string, overrides: Record<string, unknown> = {}) => ({
  customerId,
  title: 'Quarterly review',
  startsAt: new Date(Date.now() + 86_400_000).toISOString(),
  durationMinutes: 60,
  expectedParticipants: 12,
  features: { recording: true, tollFree: false },
  ...overrides,
});

interface OrderBody {
  id: string;
  status: string;
  dialIn: { number: string; accessCode: string } | null;
  rejection: { reason: string; detail: string } | null;
}

describe('orders', () => {
  let topics: TestTopics;
  let service: TestService;
  const customerId = randomUUID();

  const place = (body: unknown, key: string = randomUUID()) =>
    service.request('/v1/orders', { body, headers: { 'Idempotency-Key': key } });
  const orderOf = async (id: string) =>
    (await (await service.request(`/v1/orders/${id}`)).json()) as OrderBody;
  /** Waits until every event this service committed has been published. */
  const drained = () =>
    waitFor(
      async () => {
        const { rows } = await service.running.database.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM messaging_outbox',
        );
        return rows[0]?.n === 0 ? true : undefined;
      },
      { description: 'the outbox to be published' },
    );

  beforeAll(async () => {
    topics = await createTestTopics();
    service = await startTestService(orders, { topics });
    await topics.publish('crm.customer-registered.v1', {
      meta: testMeta('crm'),
      customerId,
      name: 'Muster GmbH',
      email: 'office@muster.example',
      phone: null,
      address: { street: 'Hauptstr. 1', postalCode: '10115', city: 'Berlin', region: null, country: 'DE' },
      segment: 'SMALL_BUSINESS',
      marketingConsent: false,
    });
    // orders learns about the customer from crm's event.
    await waitFor(
      async () => {
        const response = await place(booking(customerId, { title: 'warm-up' }));
        return response.status === 202 ? true : undefined;
      },
      { description: 'the customer to reach orders', timeoutMs: 60_000 },
    );
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  it('rejects a booking for a customer it does not know, and publishes nothing for it', async () => {
    const stranger = randomUUID();
    const response = await place(booking(stranger));
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'UNKNOWN_CUSTOMER', status: 422 });
    // An order placed after it is published; the refused one never was.
    const later = (await (await place(booking(customerId))).json()) as OrderBody;
    const placed = await topics.read('orders.order-placed.v1', (es) =>
      es.some((e) => e.orderId === later.id),
    );
    expect(placed.some((e) => e.customerId === stranger)).toBe(false);
  });

  it('takes a booking once per Idempotency-Key and publishes orders.order-placed once', async () => {
    const key = randomUUID();
    const body = booking(customerId, { title: 'Board meeting' });
    const first = await place(body, key);
    expect(first.status).toBe(202);
    const order = (await first.json()) as OrderBody;
    expect(order).toMatchObject({ status: 'PENDING', dialIn: null });
    expect(first.headers.get('location')).toBe(`/v1/orders/${order.id}`);

    const retry = await place(body, key);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as OrderBody).id).toBe(order.id);

    const reused = await place({ ...body, title: 'Something else' }, key);
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');

    await drained();
    const events = await topics.read('orders.order-placed.v1', (es) =>
      es.some((e) => e.orderId === order.id),
    );
    const mine = events.filter((e) => e.title === 'Board meeting');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      orderId: order.id,
      customerId,
      durationMinutes: 60,
      expectedParticipants: 12,
      recording: true,
      tollFree: false,
      // Who asked: the client id of the caller's token, never the token.
      meta: { producer: 'orders', correlationId: order.id, actor: 'switchboard-tests' },
    });
    const audit = service.logs.find((line) => line.event === 'orders.http.write' && line.status === 202);
    expect(audit).toMatchObject({ clientId: 'switchboard-tests', method: 'POST', route: '/v1/orders' });
    expect(JSON.stringify(service.logs)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('answers 400 problem+json naming the bad fields and the missing header', async () => {
    const noKey = await service.request('/v1/orders', { body: booking(customerId) });
    expect(noKey.status).toBe(400);
    expect(((await noKey.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe(
      'header.idempotency-key',
    );
    const bad = await place(
      booking(customerId, { startsAt: '2001-01-01T00:00:00Z', expectedParticipants: 0 }),
    );
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: { field: string }[] }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['expectedParticipants', 'startsAt']);
  });

  it('confirms an order with the dial-in details when the bridge reserved it', async () => {
    const order = (await (await place(booking(customerId))).json()) as OrderBody;
    const reserved = await topics.read('orders.order-placed.v1', (es) =>
      es.some((e) => e.orderId === order.id),
    );
    const placed = reserved.find((e) => e.orderId === order.id);
    const reservationId = randomUUID();
    await topics.publish('conference.bridge-reserved.v1', {
      meta: {
        ...testMeta('conference-bridge'),
        correlationId: order.id,
        causationId: placed?.meta.eventId ?? null,
      },
      orderId: order.id,
      reservationId,
      customerId,
      bridgeId: 'bridge-1',
      dialInNumber: '+49 30 5550100',
      accessCode: '48213377',
      startsAt: placed?.startsAt ?? 0,
      endsAt: (placed?.startsAt ?? 0) + 3_600_000,
      ports: 12,
    });
    const confirmed = await waitFor(
      async () => {
        const now = await orderOf(order.id);
        return now.status === 'CONFIRMED' ? now : undefined;
      },
      { description: 'the order to be confirmed' },
    );
    expect(confirmed.dialIn).toEqual({ reservationId, number: '+49 30 5550100', accessCode: '48213377' });
    const events = await topics.read('orders.order-confirmed.v1', (es) =>
      es.some((e) => e.orderId === order.id),
    );
    expect(events.find((e) => e.orderId === order.id)).toMatchObject({
      accessCode: '48213377',
      meta: { correlationId: order.id },
    });
  });

  it('confirms a backlog of reserved orders once each; a second reservation, or one of a cancelled order, changes nothing', async () => {
    const orders: OrderBody[] = [];
    for (let i = 0; i < 20; i++) orders.push((await (await place(booking(customerId))).json()) as OrderBody);
    const [first, cancelled] = orders as [OrderBody, OrderBody];
    expect((await service.request(`/v1/orders/${cancelled.id}/cancel`, { body: {} })).status).toBe(200);
    const reserved = (orderId: string) => ({
      meta: { ...testMeta('conference-bridge'), correlationId: orderId },
      orderId,
      reservationId: randomUUID(),
      customerId,
      bridgeId: 'bridge-1',
      dialInNumber: '+49 30 5550100',
      accessCode: String(10_000_000 + Math.floor(Math.random() * 89_999_999)),
      startsAt: Date.parse('2031-03-01T10:00:00Z'),
      endsAt: Date.parse('2031-03-01T11:00:00Z'),
      ports: 4,
    });
    const answers = orders.map((order) => reserved(order.id));
    await Promise.all(answers.map((answer) => topics.publish('conference.bridge-reserved.v1', answer)));
    await topics.publish('conference.bridge-reserved.v1', reserved(first.id));

    const others = orders.filter((order) => order !== cancelled);
    await waitFor(
      async () =>
        (await Promise.all(others.map((o) => orderOf(o.id)))).every((o) => o.status === 'CONFIRMED')
          ? true
          : undefined,
      { description: 'the orders to be confirmed' },
    );
    await drained();
    expect((await orderOf(cancelled.id)).status).toBe('CANCELLED');
    expect(await orderOf(first.id)).toMatchObject({ dialIn: { reservationId: answers[0]?.reservationId } });
    const ids = new Set(orders.map((o) => o.id));
    const confirmed = (
      await topics.read(
        'orders.order-confirmed.v1',
        (es) => es.filter((e) => ids.has(e.orderId)).length >= others.length,
      )
    ).filter((e) => ids.has(e.orderId));
    expect(confirmed.map((e) => e.orderId).sort()).toEqual(others.map((o) => o.id).sort());
  });

  it('rejects an order with the bridge reason, and cannot cancel it afterwards', async () => {
    const order = (await (await place(booking(customerId))).json()) as OrderBody;
    await topics.publish('conference.bridge-rejected.v1', {
      meta: testMeta('conference-bridge'),
      orderId: order.id,
      customerId,
      reason: 'NO_CAPACITY',
      detail: 'only 3 of 100 ports free',
    });
    const rejected = await waitFor(
      async () => {
        const now = await orderOf(order.id);
        return now.status === 'REJECTED' ? now : undefined;
      },
      { description: 'the order to be rejected' },
    );
    expect(rejected.rejection).toEqual({ reason: 'NO_CAPACITY', detail: 'only 3 of 100 ports free' });
    const events = await topics.read('orders.order-rejected.v1', (es) =>
      es.some((e) => e.orderId === order.id),
    );
    expect(events.find((e) => e.orderId === order.id)?.reason).toBe('NO_CAPACITY');
    const cancel = await service.request(`/v1/orders/${order.id}/cancel`, { body: {} });
    expect(cancel.status).toBe(409);
  });

  it('cancels an order and publishes orders.order-cancelled; cancelling again changes nothing', async () => {
    const order = (await (await place(booking(customerId))).json()) as OrderBody;
    const cancelled = await service.request(`/v1/orders/${order.id}/cancel`, { body: { reason: 'moved' } });
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ status: 'CANCELLED', cancellationReason: 'moved' });
    expect((await service.request(`/v1/orders/${order.id}/cancel`, { body: {} })).status).toBe(200);
    await drained();
    const events = await topics.read('orders.order-cancelled.v1', (es) =>
      es.some((e) => e.orderId === order.id),
    );
    expect(events.filter((e) => e.orderId === order.id)).toHaveLength(1);
  });

  it('lists a customer’s orders by status, page by page', async () => {
    const mine: string[] = [];
    const other = randomUUID();
    await topics.publish('crm.customer-updated.v1', {
      meta: testMeta('crm'),
      customerId: other,
      name: 'Other AG',
      email: 'x@other.example',
      phone: null,
      address: { street: 'Ring 2', postalCode: '1010', city: 'Wien', region: null, country: 'AT' },
      segment: 'ENTERPRISE',
      marketingConsent: true,
    });
    await waitFor(
      async () => {
        const response = await place(booking(other));
        if (response.status !== 202) return undefined;
        mine.push(((await response.json()) as OrderBody).id);
        return true;
      },
      { description: 'the updated customer to reach orders' },
    );
    for (let i = 0; i < 2; i++) mine.push(((await (await place(booking(other))).json()) as OrderBody).id);
    const page1 = (await (
      await service.request(`/v1/orders?customerId=${other}&status=PENDING&limit=2`)
    ).json()) as {
      items: OrderBody[];
      nextCursor: string;
    };
    const page2 = (await (
      await service.request(
        `/v1/orders?customerId=${other}&status=PENDING&limit=2&cursor=${page1.nextCursor}`,
      )
    ).json()) as { items: OrderBody[]; nextCursor: string | null };
    expect([...page1.items, ...page2.items].map((o) => o.id)).toEqual(mine);
    expect(page2.nextCursor).toBeNull();
  });
});

describe('orders upgraded from its own idempotency_keys table', () => {
  let topics: TestTopics;
  let service: TestService;
  let dropDatabase: (() => Promise<void>) | undefined;
  const orderId = randomUUID();
  const key = randomUUID();
  const body = booking(randomUUID(), { title: 'Booked before the upgrade' });

  beforeAll(async () => {
    topics = await createTestTopics();
    // A database as the previous release left it: 0001 applied, an order placed with a key.
    const database = await createTestDatabase(stackEndpoints().postgresUrl, 'orders_upgrade');
    dropDatabase = () => database.drop();
    const before = await mkdtemp(join(tmpdir(), 'orders-0001-'));
    const opened = await openDatabase({ url: database.url, dataDir: before, name: 'orders' });
    const { db } = opened;
    try {
      await copyFile(
        new URL('../migrations/0001_orders.sql', import.meta.url),
        join(before, '0001_orders.sql'),
      );
      await migrate(db, before);
      await db.query(
        `INSERT INTO orders (id, customer_id, title, starts_at, duration_minutes, expected_participants,
           recording, toll_free, status)
         VALUES ($1, $2, $3, $4, 60, 12, true, false, 'PENDING')`,
        [orderId, body.customerId, body.title, body.startsAt],
      );
      await db.query('INSERT INTO idempotency_keys (key, request_hash, order_id) VALUES ($1, $2, $3)', [
        key,
        requestHash(body),
        orderId,
      ]);
    } finally {
      await opened.close();
      await rm(before, { recursive: true, force: true });
    }
    service = await startTestService(orders, { topics, databaseUrl: database.url });
  });

  afterAll(async () => {
    await service?.stop();
    await dropDatabase?.();
    await topics?.cleanup();
  });

  it('still answers a retry with a key taken before the upgrade, and refuses its reuse', async () => {
    const place = (request: unknown) =>
      service.request('/v1/orders', { body: request, headers: { 'Idempotency-Key': key } });
    const retry = await place(body);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('location')).toBe(`/v1/orders/${orderId}`);
    expect(((await retry.json()) as OrderBody).id).toBe(orderId);

    const reused = await place({ ...body, title: 'Something else' });
    expect(reused.status).toBe(422);
    expect(((await reused.json()) as { code: string }).code).toBe('IDEMPOTENCY_KEY_REUSED');

    const { rows } = await service.running.database.db.query<{ old: string | null }>(
      "SELECT to_regclass('idempotency_keys')::text AS old",
    );
    expect(rows[0]?.old).toBeNull();
  });
});
