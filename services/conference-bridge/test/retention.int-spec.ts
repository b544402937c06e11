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

describe('conference-bridge: retention of call activity', () => {
  let topics: TestTopics;
  let service: TestService;
  const customerId = randomUUID();
  const day = Date.UTC(2033, 0, 1 + Math.floor(Math.random() * 300), 9);

  beforeAll(async () => {
    topics = await createTestTopics();
    const { bridges, accessCodeDigits, openCallTimeoutMinutes, callEventsRetentionDays } = loadConfig({
      KAFKA_SASL_PASSWORD: 'not used',
    });
    expect(callEventsRetentionDays).toBe(90);
    service = await startTestService(conferenceBridge, {
      topics,
      config: { bridges, accessCodeDigits, openCallTimeoutMinutes, callEventsRetentionDays },
      // A round of the retention rules every 300 ms instead of every hour.
      pruneEveryMs: 300,
    });
  });

  afterAll(async () => {
    await service?.stop();
    await topics?.cleanup();
  });

  const report = async (callId: string, event: Record<string, unknown>) =>
    (await service.request(`/v1/calls/${callId}/events`, { body: event })).status;
  const eventsOf = async (callId: string) =>
    Number(
      (
        await service.running.database.db.query<{ n: string | number }>(
          'SELECT count(*) AS n FROM call_events WHERE call_id = $1',
          [callId],
        )
      ).rows[0]?.n,
    );

  it('prunes the activity of calls completed longer ago than the retention, keeps the rest, and still refuses a late report of a pruned call', async () => {
    const { placeOrder, answerFor } = bookingKit(topics, customerId);
    const accessCode = (await answerFor(await placeOrder(day, 4))).reserved?.accessCode;
    const at = (minutes: number) => new Date(day + minutes * MINUTE).toISOString();
    const [billedLongAgo, billedLately, open] = [
      `old-${randomUUID()}`,
      `recent-${randomUUID()}`,
      `open-${randomUUID()}`,
    ];
    for (const callId of [billedLongAgo, billedLately, open]) {
      expect(await report(callId, { type: 'CALL_STARTED', eventId: 's', at: at(0), accessCode })).toBe(202);
      expect(
        await report(callId, { type: 'PARTICIPANT_JOINED', eventId: 'j', at: at(1), participantId: 'p1' }),
      ).toBe(202);
    }
    for (const callId of [billedLongAgo, billedLately]) {
      expect(
        await report(callId, { type: 'PARTICIPANT_LEFT', eventId: 'l', at: at(20), participantId: 'p1' }),
      ).toBe(202);
      expect(await report(callId, { type: 'CALL_ENDED', eventId: 'e', at: at(21) })).toBe(202);
    }
    // One completed 91 days ago, one 89 days ago (the retention is 90 days), one still open that long.
    const db = service.running.database.db;
    await db.query(`UPDATE calls SET completed_at = now() - interval '91 days' WHERE call_id = $1`, [
      billedLongAgo,
    ]);
    await db.query(`UPDATE calls SET completed_at = now() - interval '89 days' WHERE call_id = $1`, [
      billedLately,
    ]);
    await db.query(`UPDATE calls SET created_at = now() - interval '200 days' WHERE call_id = $1`, [open]);

    await waitFor(async () => ((await eventsOf(billedLongAgo)) === 0 ? true : undefined), {
      description: 'the events of the call completed 91 days ago are pruned',
    });
    expect(await eventsOf(billedLately)).toBe(4);
    expect(await eventsOf(open)).toBe(2);
    expect(service.logs).toContainEqual(
      expect.objectContaining({ event: 'retention.pruned', rule: 'call-events' }),
    );
    expect(await (await service.request('/metrics')).text()).toMatch(
      /db_rows_pruned_total\{rule="call-events",service="conference-bridge"\} [1-9]/,
    );

    // The call itself stays: a late report of it is still refused, and no second completion goes out.
    expect(await report(billedLongAgo, { type: 'CALL_ENDED', eventId: 'late', at: at(30) })).toBe(409);
    const completed = await topics.read('conference.call-completed.v1', (es) =>
      [billedLongAgo, billedLately].every((id) => es.some((e) => e.bridgeCallId === id)),
    );
    expect(completed.filter((e) => e.bridgeCallId === billedLongAgo)).toHaveLength(1);
  });
});
