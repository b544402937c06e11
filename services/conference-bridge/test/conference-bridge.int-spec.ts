import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import {
  accessToken,
  createTestTopics,
  startTestService,
  testMeta,
  type TestService,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conferenceBridge } from '../src/conference-bridge.definition.ts';
import { loadConfig } from '../src/config.ts';
import { type BookingKit, bookingKit } from './support.ts';

const HOUR = 3_600_000;

describe('conference-bridge', () => {
  let topics: TestTopics;
  let service: TestService;
  const customerId = randomUUID();
  // A day of its own, far ahead, so other tests' bookings never overlap.
  const day = Date.UTC(2031, 0, 1 + Math.floor(Math.random() * 300), 9);

  let placeOrder: BookingKit['placeOrder'];
  let answerFor: BookingKit['answerFor'];

  beforeAll(async () => {
    topics = await createTestTopics();
    ({ placeOrder, answerFor } = bookingKit(topics, customerId));
    const config = loadConfig({
      // Read for its bridges only; the service under test connects as the tests' Kafka principal.
      KAFKA_SASL_PASSWORD: 'not used',
      BRIDGES: JSON.stringify([
        { id: 'small', name: 'Small bridge', dialInNumber: '+49 30 5550199', ports: 20 },
      ]),
    });
    service = await startTestService(conferenceBridge, {
      topics,
      config: { bridges: config.bridges, accessCodeDigits: config.accessCodeDigits },
    });
  });

  /** Uploads a CDR file as a PBX collector would. */
  const uploadCdr = async (csv: string) =>
    fetch(`${service.url}/v1/calls/cdr`, {
      method: 'POST',
      headers: {
        'Content-Type': 'text/csv',
        Authorization: `Bearer ${await accessToken(['bridge.calls:write'])}`,
      },
      body: csv,
    });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  it('reserves a placed order with a dial-in number and a unique access code', async () => {
    const first = await placeOrder(day, 8);
    const second = await placeOrder(day, 8);
    const a = (await answerFor(first)).reserved;
    const b = (await answerFor(second)).reserved;
    expect(a).toMatchObject({ bridgeId: 'small', dialInNumber: '+49 30 5550199', ports: 8, customerId });
    expect(a?.meta.correlationId).toBe(first);
    expect(a?.accessCode).toMatch(/^[1-9]\d{7}$/);
    expect(b?.accessCode).not.toBe(a?.accessCode);
    const bridge = (await (await service.request('/v1/bridges/small')).json()) as { ports: number };
    expect(bridge.ports).toBe(20);
    const from = new Date(day).toISOString();
    const to = new Date(day + HOUR).toISOString();
    const page = (await (await service.request(`/v1/reservations?from=${from}&to=${to}&limit=1`)).json()) as {
      items: { orderId: string }[];
      nextCursor: string;
    };
    const next = (await (
      await service.request(`/v1/reservations?from=${from}&to=${to}&limit=1&cursor=${page.nextCursor}`)
    ).json()) as { items: { orderId: string }[] };
    expect([...page.items, ...next.items].map((r) => r.orderId).sort()).toEqual([first, second].sort());
  });

  it('rejects an overlapping booking beyond the ports with the reason, and takes it once a cancellation frees them', async () => {
    const start = day + 4 * HOUR;
    const big = await placeOrder(start, 15);
    expect((await answerFor(big)).reserved).toBeDefined();
    const overlapping = await placeOrder(start + 30 * 60_000, 10);
    const { rejected } = await answerFor(overlapping);
    expect(rejected).toMatchObject({ reason: 'NO_CAPACITY' });
    expect(rejected?.detail).toMatch(/5 of 20 ports/);

    await topics.publish('orders.order-cancelled.v1', {
      meta: testMeta('orders', big),
      orderId: big,
      customerId,
      reason: null,
    });
    await waitFor(
      async () => {
        const response = await service.request(
          `/v1/reservations?from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`,
        );
        const { items } = (await response.json()) as { items: { orderId: string; status: string }[] };
        return items.find((r) => r.orderId === big)?.status === 'RELEASED' ? true : undefined;
      },
      { description: 'the reservation to be released' },
    );
    const again = await placeOrder(start + 30 * 60_000, 10);
    expect((await answerFor(again)).reserved).toMatchObject({ ports: 10 });
  });

  it('answers a backlog of placements together: reserves while ports last, rejects the rest, a cancelled or repeated one never', async () => {
    const start = day + 20 * HOUR;
    const db = service.running.database.db;
    const handled = (eventId: string) =>
      waitFor(
        async () => {
          const { rows } = await db.query('SELECT 1 FROM messaging_inbox WHERE event_id = $1', [eventId]);
          return rows.length > 0 ? true : undefined;
        },
        { description: `event ${eventId} to be handled` },
      );
    const placement = (orderId: string) => ({
      meta: testMeta('orders', orderId),
      orderId,
      customerId,
      title: 'Quarterly review',
      startsAt: start + 15 * 60_000,
      durationMinutes: 60,
      expectedParticipants: 3,
      recording: false,
      tollFree: false,
    });
    // An order cancelled before its placement reaches the bridge.
    const cancelled = randomUUID();
    const cancellation = {
      meta: testMeta('orders', cancelled),
      orderId: cancelled,
      customerId,
      reason: null,
    };
    await topics.publish('orders.order-cancelled.v1', cancellation);
    await handled(cancellation.meta.eventId);

    // Every event the service has ever enqueued took a number of the outbox's sequence.
    const enqueued = async () => {
      const { rows } = await db.query<{ n: string; called: boolean }>(
        'SELECT last_value AS n, is_called AS called FROM messaging_outbox_id_seq',
      );
      return Number(rows[0]?.n) - (rows[0]?.called ? 0 : 1);
    };
    const before = await enqueued();

    // Twelve orders of 3 ports for one slot of a 20-port bridge, all at once: six fit.
    const orders = Array.from({ length: 12 }, () => randomUUID());
    const placements = [...orders, cancelled].map(placement);
    await Promise.all(placements.map((event) => topics.publish('orders.order-placed.v1', event)));
    const answers = await Promise.all(orders.map((orderId) => answerFor(orderId)));
    const reserved = answers.flatMap((answer) => (answer.reserved ? [answer.reserved] : []));
    const rejected = answers.flatMap((answer) => (answer.rejected ? [answer.rejected] : []));
    expect(reserved).toHaveLength(6);
    expect(rejected).toHaveLength(6);
    for (const no of rejected) {
      expect(no).toMatchObject({ reason: 'NO_CAPACITY' });
      expect(no.detail).toMatch(/only 2 of 20 ports free/);
    }
    expect(new Set(reserved.map((r) => r.accessCode)).size).toBe(6);
    // One answer per order, none for the cancelled one.
    await Promise.all(placements.map((event) => handled(event.meta.eventId)));
    expect((await enqueued()) - before).toBe(12);

    // A reserved order placed again is answered no more.
    const again = { ...placement(reserved[0]?.orderId as string), meta: testMeta('orders') };
    await topics.publish('orders.order-placed.v1', again);
    await handled(again.meta.eventId);
    expect((await enqueued()) - before).toBe(12);
    const { rows } = await db.query<{ ports: number }>(
      "SELECT sum(ports)::int AS ports FROM reservations WHERE order_id = ANY($1::uuid[]) AND status = 'ACTIVE'",
      [orders],
    );
    expect(rows[0]?.ports).toBe(18);
  });

  it('completes a call once, whatever the order and repetition of its events', async () => {
    const orderId = await placeOrder(day + 8 * HOUR, 4);
    const reservation = (await answerFor(orderId)).reserved;
    const callId = `call-${randomUUID()}`;
    const at = (minutes: number) => new Date(day + 8 * HOUR + minutes * 60_000).toISOString();
    // Out of order: the end before the start, the start last of all.
    const events = [
      {
        type: 'PARTICIPANT_JOINED',
        eventId: 'e2',
        at: at(1),
        participantId: 'p1',
        callerNumber: '+4930111',
        tollFree: true,
      },
      { type: 'CALL_ENDED', eventId: 'e6', at: at(30) },
      { type: 'PARTICIPANT_JOINED', eventId: 'e3', at: at(2), participantId: 'p2', tollFree: false },
      { type: 'RECORDING_STARTED', eventId: 'e4', at: at(5) },
      { type: 'PARTICIPANT_LEFT', eventId: 'e5', at: at(20), participantId: 'p2' },
      { type: 'CALL_STARTED', eventId: 'e1', at: at(0), accessCode: reservation?.accessCode },
    ];
    const statuses: string[] = [];
    for (const event of events) {
      const response = await service.request(`/v1/calls/${callId}/events`, { body: event });
      expect(response.status).toBe(202);
      statuses.push(((await response.json()) as { status: string }).status);
    }
    expect(statuses).toEqual(['OPEN', 'OPEN', 'OPEN', 'OPEN', 'OPEN', 'COMPLETED']);
    // A repeat is accepted and changes nothing; a new event after completion is refused.
    const repeat = await service.request(`/v1/calls/${callId}/events`, { body: events[1] });
    expect(await repeat.json()).toMatchObject({ status: 'COMPLETED', duplicates: 1 });
    const late = await service.request(`/v1/calls/${callId}/events`, {
      body: { type: 'RECORDING_STOPPED', eventId: 'e7', at: at(31) },
    });
    expect(late.status).toBe(409);
    const unknown = await service.request(`/v1/calls/call-${randomUUID()}/events`, {
      body: { type: 'CALL_STARTED', eventId: 'x1', at: at(0), accessCode: '1234' },
    });
    expect(unknown.status).toBe(422);

    const completed = await topics.read('conference.call-completed.v1', (es) =>
      es.some((e) => e.bridgeCallId === callId),
    );
    const mine = completed.filter((e) => e.bridgeCallId === callId);
    expect(mine).toHaveLength(1);
    // Downstream ids are UUIDs: the bridge's own id travels beside the one made from it.
    expect(mine[0]?.callId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(mine[0]).toMatchObject({
      customerId,
      orderId,
      reservationId: reservation?.reservationId,
      bridgeId: 'small',
      startedAt: Date.parse(at(0)),
      endedAt: Date.parse(at(30)),
      participants: [
        {
          participantId: 'p1',
          callerNumber: '+4930111',
          tollFree: true,
          joinedAt: Date.parse(at(1)),
          leftAt: Date.parse(at(30)),
        },
        {
          participantId: 'p2',
          callerNumber: null,
          tollFree: false,
          joinedAt: Date.parse(at(2)),
          leftAt: Date.parse(at(20)),
        },
      ],
    });
    expect(mine[0]?.recordingSeconds).toBe(25 * 60);
    expect(mine[0]?.meta.correlationId).toBe(orderId);
  });

  it("imports a day's file of 1,200 calls under three reservations: each completed and published once, answered in the file's order", async () => {
    const reservations: EventOf<'conference.bridge-reserved.v1'>[] = [];
    for (const hour of [14, 15, 16]) {
      const { reserved } = await answerFor(await placeOrder(day + hour * HOUR, 2));
      if (reserved) reservations.push(reserved);
    }
    expect(reservations).toHaveLength(3);
    const t = (seconds: number) => new Date(day + 14 * HOUR + seconds * 1000).toISOString();
    const calls = Array.from({ length: 1200 }, (_, index) => ({
      callId: `cdr-${randomUUID()}`,
      accessCode: reservations[index % 3]?.accessCode ?? '',
      at: index,
    }));
    const csv = [
      'call_id,access_code,call_started_at,call_ended_at,participant_id,caller_number,toll_free,joined_at,left_at,recording_seconds',
      ...calls.map(
        (c) => `${c.callId},${c.accessCode},${t(c.at)},${t(c.at + 60)},a,,no,${t(c.at)},${t(c.at + 60)},0`,
      ),
    ].join('\n');
    const upload = () => uploadCdr(csv);
    const first = await upload();
    expect(first.status).toBe(200);
    const answer = (await first.json()) as {
      calls: { callId: string; status: string }[];
      problems: unknown[];
    };
    expect(answer.problems).toEqual([]);
    expect(answer.calls.map((c) => c.callId)).toEqual(calls.map((c) => c.callId));
    expect(new Set(answer.calls.map((c) => c.status))).toEqual(new Set(['COMPLETED']));
    // Uploaded again: answered the same, published no second time.
    expect(((await (await upload()).json()) as typeof answer).calls).toHaveLength(1200);

    const ids = new Set(calls.map((c) => c.callId));
    const completed = (
      await topics.read(
        'conference.call-completed.v1',
        (es) => es.filter((e) => ids.has(e.bridgeCallId ?? '')).length >= ids.size,
      )
    ).filter((e) => ids.has(e.bridgeCallId ?? ''));
    expect(completed).toHaveLength(1200);
    const reservationOf = new Map(reservations.map((r) => [r.accessCode, r.reservationId]));
    for (const event of completed) {
      const call = calls.find((c) => c.callId === event.bridgeCallId);
      expect(event.reservationId).toBe(reservationOf.get(call?.accessCode ?? ''));
    }
  });

  it('imports call-detail records from CSV, once however often the file is uploaded', async () => {
    const orderId = await placeOrder(day + 12 * HOUR, 3);
    const reservation = (await answerFor(orderId)).reserved;
    const callId = `cdr-${randomUUID()}`;
    const t = (minutes: number) => new Date(day + 12 * HOUR + minutes * 60_000).toISOString();
    const csv = [
      'call_id,access_code,call_started_at,call_ended_at,participant_id,caller_number,toll_free,joined_at,left_at,recording_seconds',
      `${callId},${reservation?.accessCode},${t(0)},${t(10)},a,+4930222,yes,${t(0)},${t(10)},60`,
      `${callId},${reservation?.accessCode},${t(0)},${t(10)},b,,no,${t(1)},${t(9)},60`,
    ].join('\n');
    const upload = () => uploadCdr(csv);
    const first = await upload();
    expect(first.status).toBe(200);
    const imported = (await first.json()) as { calls: { callId: string; eventCallId: string }[] };
    expect(imported).toMatchObject({ calls: [{ callId, status: 'COMPLETED' }], problems: [] });
    expect((await upload()).status).toBe(200);
    const bad = await uploadCdr('call_id,access_code\nx,1');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { problems: { line: number }[] }).problems[0]?.line).toBe(1);

    // A call of the file with an access code no reservation has is refused alone, by its lines.
    const other = `cdr-${randomUUID()}`;
    const stranger = `cdr-${randomUUID()}`;
    const mixed = await uploadCdr(
      [
        csv.split('\n')[0],
        `${stranger},000000000000,${t(0)},${t(5)},a,,no,${t(0)},${t(5)},0`,
        `${other},${reservation?.accessCode},${t(20)},${t(30)},a,,no,${t(20)},${t(30)},0`,
      ].join('\n'),
    );
    expect(mixed.status).toBe(200);
    const partial = (await mixed.json()) as {
      calls: { callId: string; status: string }[];
      problems: { line: number; column?: string; message: string }[];
    };
    expect(partial.calls.map((c) => [c.callId, c.status])).toEqual([[other, 'COMPLETED']]);
    expect(partial.problems.map((p) => [p.line, p.column])).toEqual([[2, 'access_code']]);
    expect(partial.problems[0]?.message).toContain(stranger);

    const completed = await topics.read('conference.call-completed.v1', (es) =>
      es.some((e) => e.bridgeCallId === callId),
    );
    const mine = completed.filter((e) => e.bridgeCallId === callId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.callId).toBe(imported.calls[0]?.eventCallId);
    expect(mine[0]?.participants.map((p) => [p.participantId, p.tollFree])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(mine[0]?.recordingSeconds).toBe(60);
  });
});
