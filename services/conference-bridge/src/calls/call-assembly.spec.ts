import { describe, expect, it } from 'vitest';
import {
  type AssembledCall,
  type AssembledParticipant,
  assembleCall,
  closeOverdueCall,
  orderCallEvents,
} from './call-assembly.ts';
import type { CallEvent } from './call-events.ts';

const T0 = Date.parse('2026-11-23T09:00:00.000Z');
/** Minutes (fractions allowed) after 09:00. */
const m = (minutes: number): number => T0 + Math.round(minutes * 60_000);

/** Event builders; ids default to something derived from the content, as a bridge's would differ. */
const started = (minute: number, accessCode = '12345678', eventId = `start@${minute}`): CallEvent => ({
  type: 'CALL_STARTED',
  eventId,
  at: m(minute),
  accessCode,
});
const ended = (minute: number, eventId = `end@${minute}`): CallEvent => ({
  type: 'CALL_ENDED',
  eventId,
  at: m(minute),
});
const joined = (
  minute: number,
  participantId: string,
  details: { callerNumber?: string | null; tollFree?: boolean; eventId?: string } = {},
): CallEvent => ({
  type: 'PARTICIPANT_JOINED',
  eventId: details.eventId ?? `join:${participantId}@${minute}`,
  at: m(minute),
  participantId,
  callerNumber: details.callerNumber ?? null,
  tollFree: details.tollFree ?? false,
});
const left = (
  minute: number,
  participantId: string,
  eventId = `leave:${participantId}@${minute}`,
): CallEvent => ({
  type: 'PARTICIPANT_LEFT',
  eventId,
  at: m(minute),
  participantId,
});
const recordingOn = (minute: number, eventId = `rec-on@${minute}`): CallEvent => ({
  type: 'RECORDING_STARTED',
  eventId,
  at: m(minute),
});
const recordingOff = (minute: number, eventId = `rec-off@${minute}`): CallEvent => ({
  type: 'RECORDING_STOPPED',
  eventId,
  at: m(minute),
});

const connection = (
  participantId: string,
  fromMinute: number,
  toMinute: number,
  details: { callerNumber?: string | null; tollFree?: boolean } = {},
): AssembledParticipant => ({
  participantId,
  callerNumber: details.callerNumber ?? null,
  tollFree: details.tollFree ?? false,
  joinedAt: m(fromMinute),
  leftAt: m(toMinute),
});

/** The call, failing the test if the events do not make a complete one. */
function callOf(events: readonly CallEvent[]): AssembledCall {
  const assembly = assembleCall(events);
  if (!assembly.complete) throw new Error(`incomplete call, missing ${assembly.missing.join(', ')}`);
  return assembly.call;
}

/** Deterministic shuffling, so a failure can be replayed. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('assembleCall', () => {
  describe('completeness', () => {
    it('assembles a call with just a start and an end', () => {
      expect(assembleCall([started(0), ended(30)])).toEqual({
        complete: true,
        call: {
          accessCode: '12345678',
          startedAt: m(0),
          endedAt: m(30),
          participants: [],
          recordingSeconds: 0,
        },
      });
    });

    it.each([
      ['the start', [ended(30), joined(1, 'p1')], ['CALL_STARTED']],
      ['the end', [started(0), joined(1, 'p1')], ['CALL_ENDED']],
      ['both', [joined(1, 'p1'), left(5, 'p1')], ['CALL_STARTED', 'CALL_ENDED']],
      ['both, with no events at all', [], ['CALL_STARTED', 'CALL_ENDED']],
    ])('is incomplete without %s', (_name, events, missing) => {
      expect(assembleCall(events)).toEqual({ complete: false, missing });
    });

    it('does not take an end before the start as the end of the call', () => {
      expect(assembleCall([started(10), ended(5)])).toEqual({ complete: false, missing: ['CALL_ENDED'] });
      expect(callOf([started(10), ended(5), ended(40)]).endedAt).toBe(m(40));
    });

    it('takes a call that ends as it starts as complete, with nobody on it', () => {
      expect(callOf([started(0), joined(0, 'p1'), ended(0)])).toMatchObject({
        startedAt: m(0),
        endedAt: m(0),
        participants: [],
      });
    });

    it('takes the earliest start, with its access code, and the latest end', () => {
      const call = callOf([
        started(2, '22222222', 'late-start'),
        started(1, '11111111', 'early-start'),
        ended(30, 'early-end'),
        ended(31, 'late-end'),
      ]);
      expect(call).toMatchObject({ accessCode: '11111111', startedAt: m(1), endedAt: m(31) });
    });
  });

  describe('duplicates and order', () => {
    it('counts an event delivered twice once, keeping the first delivery', () => {
      const call = callOf([
        started(0),
        joined(1, 'p1', { eventId: 'j1', callerNumber: '+441234' }),
        joined(1, 'p1', { eventId: 'j1', callerNumber: '+449999' }),
        left(5, 'p1'),
        left(5, 'p1'),
        recordingOn(2, 'r1'),
        recordingOff(3, 'r2'),
        recordingOn(2, 'r1'),
        recordingOff(3, 'r2'),
        ended(10),
      ]);
      expect(call.participants).toEqual([connection('p1', 1, 5, { callerNumber: '+441234' })]);
      expect(call.recordingSeconds).toBe(60);
    });

    it('orders events of the same instant by type, then by event id', () => {
      const events = [
        ended(5, 'e'),
        left(5, 'p1', 'd'),
        recordingOff(5, 'c2'),
        recordingOff(5, 'c1'),
        recordingOn(5, 'b'),
        joined(5, 'p1', { eventId: 'a' }),
        started(5, '1234', 's'),
      ];
      expect(orderCallEvents(events).map((event) => event.eventId)).toEqual([
        's',
        'a',
        'b',
        'c1',
        'c2',
        'd',
        'e',
      ]);
    });

    it('gives the same call however the events are shuffled and duplicated', () => {
      const events = [
        started(0, '55501234'),
        joined(-2, 'host', { callerNumber: '+4420794600', tollFree: true }),
        joined(0, 'p1', { callerNumber: '+4915112345' }),
        recordingOn(1),
        joined(3, 'p2'),
        left(3, 'p2'),
        left(4, 'p1'),
        joined(4, 'p1', { callerNumber: '+4915112345', eventId: 'rejoin:p1' }),
        recordingOff(4.5),
        recordingOn(5),
        joined(6, 'p3'),
        left(7.25, 'p3'),
        joined(7.5, 'p3', { callerNumber: '+3312345' }),
        left(8, 'ghost'),
        joined(9, 'p1', { eventId: 'dup-join:p1' }),
        left(12, 'p1'),
        left(25, 'host'),
        ended(20),
      ];
      const expected = callOf(events);
      expect(expected).toEqual({
        accessCode: '55501234',
        startedAt: m(0),
        endedAt: m(20),
        participants: [
          connection('host', 0, 20, { callerNumber: '+4420794600', tollFree: true }),
          connection('p1', 0, 4, { callerNumber: '+4915112345' }),
          connection('p1', 4, 12, { callerNumber: '+4915112345' }),
          connection('p3', 6, 7.25),
          connection('p3', 7.5, 20, { callerNumber: '+3312345' }),
        ],
        recordingSeconds: 210 + 900,
      });
      for (let seed = 1; seed <= 50; seed++) {
        const delivered = shuffled([...events, ...shuffled(events, seed * 7).slice(0, 8)], seed);
        expect(callOf(delivered)).toEqual(expected);
      }
    });
  });

  describe('participants', () => {
    it('makes one connection of a join and the following leave', () => {
      const call = callOf([
        started(0),
        joined(1, 'p1', { callerNumber: '+441234567', tollFree: true }),
        left(9, 'p1'),
        ended(10),
      ]);
      expect(call.participants).toEqual([
        connection('p1', 1, 9, { callerNumber: '+441234567', tollFree: true }),
      ]);
    });

    it('makes a connection per stay of a participant who drops and rejoins, in the order they joined', () => {
      const call = callOf([
        started(0),
        joined(6, 'p1', { eventId: 'second-join', callerNumber: '+2' }),
        left(8, 'p1', 'second-leave'),
        joined(1, 'p1', { eventId: 'first-join', callerNumber: '+1' }),
        left(4, 'p1', 'first-leave'),
        joined(2, 'p2'),
        ended(10),
      ]);
      expect(call.participants).toEqual([
        connection('p1', 1, 4, { callerNumber: '+1' }),
        connection('p2', 2, 10),
        connection('p1', 6, 8, { callerNumber: '+2' }),
      ]);
    });

    it('treats a leave and a join at the same instant as a drop and rejoin', () => {
      const call = callOf([
        started(0),
        joined(1, 'p1', { callerNumber: '+1' }),
        left(4, 'p1'),
        joined(4, 'p1', { callerNumber: '+2' }),
        left(8, 'p1'),
        ended(10),
      ]);
      expect(call.participants).toEqual([
        connection('p1', 1, 4, { callerNumber: '+1' }),
        connection('p1', 4, 8, { callerNumber: '+2' }),
      ]);
    });

    it('counts a participant who joined before the start from the start', () => {
      expect(callOf([started(5), joined(1, 'p1'), left(7, 'p1'), ended(10)]).participants).toEqual([
        connection('p1', 5, 7),
      ]);
    });

    it('counts a participant who left after the end until the end', () => {
      expect(callOf([started(0), joined(1, 'p1'), left(15, 'p1'), ended(10)]).participants).toEqual([
        connection('p1', 1, 10),
      ]);
    });

    it('ends the connection of a participant still connected at the end with the call', () => {
      expect(callOf([started(0), joined(1, 'p1'), ended(10)]).participants).toEqual([
        connection('p1', 1, 10),
      ]);
    });

    it('counts a join at the start and a leave at the end in full', () => {
      expect(callOf([started(0), joined(0, 'p1'), left(10, 'p1'), ended(10)]).participants).toEqual([
        connection('p1', 0, 10),
      ]);
    });

    it('ignores a leave without a join before it', () => {
      const call = callOf([started(0), left(2, 'p1'), joined(3, 'p1'), left(5, 'p2'), ended(10)]);
      expect(call.participants).toEqual([connection('p1', 3, 10)]);
    });

    it('ignores a second join while connected, keeping the first', () => {
      const call = callOf([
        started(0),
        joined(1, 'p1', { callerNumber: '+1' }),
        joined(3, 'p1', { callerNumber: '+2', tollFree: true }),
        left(5, 'p1'),
        ended(10),
      ]);
      expect(call.participants).toEqual([connection('p1', 1, 5, { callerNumber: '+1' })]);
    });

    it('drops connections of no length', () => {
      const call = callOf([
        started(2),
        joined(3, 'blip'),
        left(3, 'blip'),
        joined(0, 'before'),
        left(1, 'before'),
        joined(12, 'after'),
        left(13, 'after'),
        joined(10, 'at-end'),
        ended(10),
      ]);
      expect(call.participants).toEqual([]);
    });

    it('orders connections by when they were joined, then by participant', () => {
      const call = callOf([started(0), joined(2, 'b'), joined(2, 'a'), joined(1, 'c'), ended(10)]);
      expect(call.participants.map((p) => p.participantId)).toEqual(['c', 'a', 'b']);
    });
  });

  describe('recording', () => {
    it('adds up the stretches the recording was on', () => {
      const call = callOf([
        started(0),
        recordingOn(1),
        recordingOff(2),
        recordingOn(5),
        recordingOff(5.5),
        ended(10),
      ]);
      expect(call.recordingSeconds).toBe(90);
    });

    it('stops a recording still on at the end with the call', () => {
      expect(callOf([started(0), recordingOn(8), ended(10)]).recordingSeconds).toBe(120);
    });

    it('only counts recording within the call', () => {
      expect(callOf([started(2), recordingOn(0), recordingOff(3), ended(10)]).recordingSeconds).toBe(60);
      expect(callOf([started(0), recordingOn(9), recordingOff(12), ended(10)]).recordingSeconds).toBe(60);
      expect(callOf([started(0), recordingOn(11), recordingOff(12), ended(10)]).recordingSeconds).toBe(0);
    });

    it('ignores a stop while the recording is off', () => {
      const call = callOf([
        started(0),
        recordingOff(1),
        recordingOn(2),
        recordingOff(3),
        recordingOff(4),
        ended(10),
      ]);
      expect(call.recordingSeconds).toBe(60);
    });

    it('ignores a start while the recording is on', () => {
      expect(
        callOf([started(0), recordingOn(1), recordingOn(2), recordingOff(3), ended(10)]).recordingSeconds,
      ).toBe(120);
    });

    it('keeps recording through a stop and a start at the same instant', () => {
      const call = callOf([
        started(0),
        recordingOn(1),
        recordingOff(2),
        recordingOn(2),
        recordingOff(3),
        ended(10),
      ]);
      expect(call.recordingSeconds).toBe(120);
    });

    it('counts nothing for a recording started and stopped at the same instant', () => {
      expect(callOf([started(0), recordingOn(2), recordingOff(2), ended(10)]).recordingSeconds).toBe(0);
    });

    it('rounds the total to the nearest second, half a second up', () => {
      const at = (ms: number): number => (ms - T0) / 60_000;
      const seconds = (...stretches: [number, number][]): number =>
        callOf([
          started(0),
          ...stretches.flatMap(([from, to]) => [recordingOn(at(T0 + from)), recordingOff(at(T0 + to))]),
          ended(10),
        ]).recordingSeconds;
      expect(seconds([0, 1_499])).toBe(1);
      expect(seconds([0, 1_500])).toBe(2);
      expect(seconds([0, 499])).toBe(0);
      // Rounding each stretch would give 3.
      expect(seconds([0, 1_400], [2_000, 3_400], [4_000, 5_400])).toBe(4);
    });
  });
});

describe('closeOverdueCall', () => {
  it('closes a call that never ended at its last reported activity, everyone still connected leaving then', () => {
    const closing = closeOverdueCall([
      started(0),
      joined(1, 'a'),
      joined(2, 'b'),
      recordingOn(3),
      left(40, 'b'),
    ]);
    expect(closing).toEqual({
      outcome: 'CLOSED',
      reason: 'no CALL_ENDED was reported; closed at its last reported activity',
      call: {
        accessCode: '12345678',
        startedAt: m(0),
        endedAt: m(40),
        participants: [connection('a', 1, 40), connection('b', 2, 40)],
        recordingSeconds: 37 * 60,
      },
    });
  });

  it('closes a call whose only end came before its start, naming both times', () => {
    const closing = closeOverdueCall([ended(-5), started(0), joined(0, 'a'), left(12, 'a')]);
    expect(closing.outcome).toBe('CLOSED');
    if (closing.outcome !== 'CLOSED') return;
    expect(closing.reason).toBe(
      'its CALL_ENDED (2026-11-23T08:55:00.000Z) came before its CALL_STARTED (2026-11-23T09:00:00.000Z); closed at its last reported activity',
    );
    expect(closing.call).toMatchObject({
      startedAt: m(0),
      endedAt: m(12),
      participants: [connection('a', 0, 12)],
    });
  });

  it('closes a call reported only as started as a call of no length', () => {
    const closing = closeOverdueCall([started(0)]);
    expect(closing).toMatchObject({
      outcome: 'CLOSED',
      call: { startedAt: m(0), endedAt: m(0), participants: [] },
    });
  });

  it('abandons a call whose start was never reported', () => {
    expect(closeOverdueCall([joined(1, 'a'), ended(30)])).toEqual({
      outcome: 'ABANDONED',
      reason: 'no CALL_STARTED was reported: the call has no start or access code',
    });
  });
});
