import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import { describe, expect, it } from 'vitest';
import { implausibility } from './plausibility.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const DAY = 86_400_000;

function call(
  overrides: Partial<EventOf<'conference.call-completed.v1'>> = {},
  producer = 'conference-bridge',
) {
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: NOW,
      producer,
      correlationId: randomUUID(),
      causationId: null,
      actor: null,
    },
    callId: randomUUID(),
    accessCode: '12345678',
    customerId: randomUUID(),
    orderId: null,
    reservationId: null,
    bridgeId: 'bridge-1',
    startedAt: NOW - 3_600_000,
    endedAt: NOW - 60_000,
    participants: [
      {
        participantId: 'a',
        callerNumber: null,
        tollFree: false,
        joinedAt: NOW - 3_600_000,
        leftAt: NOW - 60_000,
      },
    ],
    recordingSeconds: 0,
    ...overrides,
  } as EventOf<'conference.call-completed.v1'>;
}

describe('implausibility', () => {
  it('accepts a sensible event of the owner or of a producer system the catalog allows', () => {
    expect(implausibility('conference.call-completed.v1', call(), NOW)).toBeUndefined();
    expect(implausibility('conference.call-completed.v1', call({}, 'pbx-collector'), NOW)).toBeUndefined();
  });

  it('names a producer that does not own the topic', () => {
    expect(implausibility('conference.call-completed.v1', call({}, 'billing'), NOW)).toBe(
      'meta.producer "billing" may not produce conference.call-completed.v1 (its producers: conference-bridge, pbx-collector)',
    );
  });

  it('refuses times far in the future, and older than a time-retained topic keeps events', () => {
    const future = call();
    expect(
      implausibility(
        'conference.call-completed.v1',
        { ...future, meta: { ...future.meta, occurredAt: NOW + 3_600_000 } },
        NOW,
      ),
    ).toBe('meta.occurredAt is 3600 s in the future, beyond the 300 s allowed');
    expect(
      implausibility(
        'conference.call-completed.v1',
        { ...future, meta: { ...future.meta, occurredAt: NOW + 60_000 } },
        NOW,
      ),
    ).toBeUndefined();
    // The topic keeps 90 days; anything up to a year old may still be a late producer's backlog.
    const late = { ...future, meta: { ...future.meta, occurredAt: NOW - 200 * DAY } };
    expect(implausibility('conference.call-completed.v1', late, NOW)).toBeUndefined();
    const old = { ...future, meta: { ...future.meta, occurredAt: 0 } };
    expect(implausibility('conference.call-completed.v1', old, NOW)).toBe(
      'meta.occurredAt 1970-01-01T00:00:00.000Z is further back than the topic keeps events (90 days) and than 366 days',
    );
  });

  it('applies the topic’s own sense check: negative durations', () => {
    expect(implausibility('conference.call-completed.v1', call({ endedAt: NOW - 7_200_000 }), NOW)).toBe(
      'the call ends before it starts',
    );
    expect(implausibility('conference.call-completed.v1', call({ recordingSeconds: -5 }), NOW)).toBe(
      'the call was recorded for -5 seconds',
    );
  });
});
