import { describe, expect, it } from 'vitest';
import { callEventSchema } from './call-events.ts';

describe('callEventSchema', () => {
  it('turns the instant into epoch milliseconds, whatever its offset', () => {
    const at = (value: string) => callEventSchema.parse({ type: 'CALL_ENDED', eventId: 'e1', at: value }).at;
    expect(at('2026-11-23T09:00:00Z')).toBe(Date.UTC(2026, 10, 23, 9));
    expect(at('2026-11-23T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 23, 9));
    expect(at('2026-11-23T09:00:00.250Z')).toBe(Date.UTC(2026, 10, 23, 9, 0, 0, 250));
  });

  it.each(['2026-11-23T09:00:00', '2026-11-23 09:00:00Z', '2026-02-30T09:00:00Z', '23/11/2026 09:00', ''])(
    'refuses %j as an instant',
    (value) => {
      expect(callEventSchema.safeParse({ type: 'CALL_ENDED', eventId: 'e1', at: value }).success).toBe(false);
    },
  );

  it('fills in the defaults of a join', () => {
    expect(
      callEventSchema.parse({
        type: 'PARTICIPANT_JOINED',
        eventId: 'e1',
        at: '2026-11-23T09:00:00Z',
        participantId: 'p1',
      }),
    ).toEqual({
      type: 'PARTICIPANT_JOINED',
      eventId: 'e1',
      at: Date.UTC(2026, 10, 23, 9),
      participantId: 'p1',
      callerNumber: null,
      tollFree: false,
    });
  });

  it.each([
    { type: 'CALL_STARTED', eventId: 'e1', at: '2026-11-23T09:00:00Z', accessCode: '123' },
    { type: 'CALL_STARTED', eventId: 'e1', at: '2026-11-23T09:00:00Z', accessCode: '1234567890123' },
    { type: 'CALL_STARTED', eventId: 'e1', at: '2026-11-23T09:00:00Z', accessCode: '12a45678' },
    { type: 'CALL_ENDED', eventId: '', at: '2026-11-23T09:00:00Z' },
    { type: 'PARTICIPANT_LEFT', eventId: 'e1', at: '2026-11-23T09:00:00Z' },
    {
      type: 'PARTICIPANT_JOINED',
      eventId: 'e1',
      at: '2026-11-23T09:00:00Z',
      participantId: 'p',
      callerNumber: '1'.repeat(41),
    },
    { type: 'CALL_PAUSED', eventId: 'e1', at: '2026-11-23T09:00:00Z' },
  ])('refuses %o', (input) => {
    expect(callEventSchema.safeParse(input).success).toBe(false);
  });
});
