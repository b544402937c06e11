import { randomUUID } from 'node:crypto';
import {
  createTestTopics,
  startTestService,
  type TestService,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conferenceBridge } from '../src/conference-bridge.definition.ts';
import { loadConfig } from '../src/config.ts';
import { bookingKit } from './support.ts';

const MINUTE = 60_000;

interface Review {
  callId: string;
  eventCallId: string;
  outcome: string;
  reason: string;
  startedAt: string | null;
  endedAt: string | null;
}

describe('conference-bridge: calls whose end never comes', () => {
  let topics: TestTopics;
  let service: TestService;
  const customerId = randomUUID();
  const day = Date.UTC(2032, 0, 1 + Math.floor(Math.random() * 300), 9);

  beforeAll(async () => {
    topics = await createTestTopics();
    // The default bridges; nothing reported of a call for 3 s: closed by the sweeper (a day by default).
    const { bridges, accessCodeDigits } = loadConfig({ KAFKA_SASL_PASSWORD: 'not used' });
    service = await startTestService(conferenceBridge, {
      topics,
      config: { bridges, accessCodeDigits, openCallTimeoutMinutes: 0.05 },
    });
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  const report = async (callId: string, event: Record<string, unknown>) => {
    const response = await service.request(`/v1/calls/${callId}/events`, { body: event });
    return { status: response.status, body: (await response.json()) as { status?: string } };
  };
  const reviews = async (): Promise<Review[]> =>
    ((await (await service.request('/v1/calls/reviews?limit=100')).json()) as { items: Review[] }).items;
  const completedOf = async (callId: string) =>
    (
      await topics.read('conference.call-completed.v1', (es) => es.some((e) => e.bridgeCallId === callId))
    ).filter((e) => e.bridgeCallId === callId);

  it('closes a call that never ended, or ended before it started, at its last activity; abandons one never started; lists each for review', async () => {
    const { placeOrder, answerFor } = bookingKit(topics, customerId);
    const orderId = await placeOrder(day, 4);
    const accessCode = (await answerFor(orderId)).reserved?.accessCode;
    const at = (minutes: number) => new Date(day + minutes * MINUTE).toISOString();

    const unended = `unended-${randomUUID()}`;
    const backwards = `backwards-${randomUUID()}`;
    const unstarted = `unstarted-${randomUUID()}`;
    for (const [callId, event] of [
      [unended, { type: 'CALL_STARTED', eventId: 's', at: at(0), accessCode }],
      [unended, { type: 'PARTICIPANT_JOINED', eventId: 'j', at: at(1), participantId: 'p1' }],
      [unended, { type: 'PARTICIPANT_LEFT', eventId: 'l', at: at(21), participantId: 'p1' }],
      [backwards, { type: 'CALL_ENDED', eventId: 'e', at: at(-5) }],
      [backwards, { type: 'CALL_STARTED', eventId: 's', at: at(0), accessCode }],
      [
        backwards,
        { type: 'PARTICIPANT_JOINED', eventId: 'j', at: at(0), participantId: 'p1', tollFree: true },
      ],
      [backwards, { type: 'PARTICIPANT_LEFT', eventId: 'l', at: at(15), participantId: 'p1' }],
      [unstarted, { type: 'PARTICIPANT_JOINED', eventId: 'j', at: at(1), participantId: 'p1' }],
    ] as const)
      expect(await report(callId, event)).toMatchObject({ status: 202, body: { status: 'OPEN' } });

    // Billing gets each closed call, once, ending at its last reported activity.
    const [closed] = await completedOf(unended);
    expect(closed).toMatchObject({
      startedAt: Date.parse(at(0)),
      endedAt: Date.parse(at(21)),
      participants: [{ participantId: 'p1', joinedAt: Date.parse(at(1)), leftAt: Date.parse(at(21)) }],
      orderId,
      customerId,
    });
    const [turned] = await completedOf(backwards);
    expect(turned).toMatchObject({ startedAt: Date.parse(at(0)), endedAt: Date.parse(at(15)) });

    const listed = await waitFor(
      async () => {
        const all = await reviews();
        const mine = [unended, backwards, unstarted].map((id) => all.find((r) => r.callId === id));
        return mine.every(Boolean) ? (mine as Review[]) : undefined;
      },
      { description: 'the three calls are listed for review' },
    );
    expect(listed).toMatchObject([
      {
        outcome: 'CLOSED',
        reason: 'no CALL_ENDED was reported; closed at its last reported activity',
        startedAt: at(0),
        endedAt: at(21),
        eventCallId: closed?.callId,
      },
      {
        outcome: 'CLOSED',
        reason: `its CALL_ENDED (${at(-5)}) came before its CALL_STARTED (${at(0)}); closed at its last reported activity`,
        endedAt: at(15),
      },
      { outcome: 'ABANDONED', startedAt: null, endedAt: null },
    ]);

    // A closed call takes no more events; an abandoned one opens again when its start comes after all.
    expect((await report(unended, { type: 'CALL_ENDED', eventId: 'late', at: at(30) })).status).toBe(409);
    expect(
      await report(unstarted, { type: 'CALL_STARTED', eventId: 's', at: at(0), accessCode }),
    ).toMatchObject({
      status: 202,
      body: { status: 'OPEN' },
    });
    expect((await reviews()).map((r) => r.callId)).not.toContain(unstarted);
    expect(await report(unstarted, { type: 'CALL_ENDED', eventId: 'e', at: at(10) })).toMatchObject({
      body: { status: 'COMPLETED' },
    });
    const [late] = await completedOf(unstarted);
    expect(late).toMatchObject({ startedAt: Date.parse(at(0)), endedAt: Date.parse(at(10)) });
    expect(await completedOf(unended)).toHaveLength(1);
  });
});
