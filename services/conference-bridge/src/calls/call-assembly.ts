import type { CallEvent, CallEventType } from './call-events.ts';

/** One connection of a participant to the call, [joinedAt, leftAt) in epoch milliseconds. */
export interface AssembledParticipant {
  readonly participantId: string;
  readonly callerNumber: string | null;
  readonly tollFree: boolean;
  readonly joinedAt: number;
  readonly leftAt: number;
}

/**
 * A finished call as billing sees it. `participants` holds one entry per connection (a participant
 * who dropped and rejoined appears twice), ordered by `joinedAt`.
 */
export interface AssembledCall {
  readonly accessCode: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly participants: readonly AssembledParticipant[];
  readonly recordingSeconds: number;
}

/** A call is complete once both its start and its end are known; until then, what is missing. */
export type Assembly =
  | { readonly complete: true; readonly call: AssembledCall }
  | { readonly complete: false; readonly missing: readonly ('CALL_STARTED' | 'CALL_ENDED')[] };

type CallStarted = Extract<CallEvent, { type: 'CALL_STARTED' }>;
type CallEnded = Extract<CallEvent, { type: 'CALL_ENDED' }>;
type ParticipantJoined = Extract<CallEvent, { type: 'PARTICIPANT_JOINED' }>;

/**
 * Where each type goes among events of the same instant: the call starts before anything happens
 * in it and ends after everything has, and a join and a leave at the same instant are a connection
 * of no length rather than a leave that is ignored followed by a join that lasts until the end.
 */
const ORDER_AT_SAME_INSTANT: Record<CallEventType, number> = {
  CALL_STARTED: 0,
  PARTICIPANT_JOINED: 1,
  RECORDING_STARTED: 2,
  RECORDING_STOPPED: 3,
  PARTICIPANT_LEFT: 4,
  CALL_ENDED: 5,
};

/**
 * The events of one call without duplicates (the first event with a given `eventId` wins), in the
 * order they happened: by `at`, then by type as {@link assembleCall} describes, then by `eventId`,
 * so that the same set of events gives the same order however it arrived.
 */
export function orderCallEvents(events: readonly CallEvent[]): CallEvent[] {
  const byId = new Map<string, CallEvent>();
  for (const event of events) {
    if (!byId.has(event.eventId)) byId.set(event.eventId, event);
  }
  return [...byId.values()].sort(
    (a, b) =>
      a.at - b.at ||
      ORDER_AT_SAME_INSTANT[a.type] - ORDER_AT_SAME_INSTANT[b.type] ||
      byCodeUnits(a.eventId, b.eventId),
  );
}

/**
 * Turns the events of one call, which may arrive duplicated and in any order, into the call.
 *
 * - Duplicates (same `eventId`) count once, the first to arrive winning. Events are then taken in
 *   the order they happened; at the same instant: CALL_STARTED, PARTICIPANT_JOINED,
 *   RECORDING_STARTED, RECORDING_STOPPED, PARTICIPANT_LEFT, CALL_ENDED.
 * - The call is complete once it has a CALL_STARTED and a CALL_ENDED at or after it. With several
 *   (different ids), the earliest CALL_STARTED (its access code too) and the latest CALL_ENDED
 *   win, so the call covers everything reported about it. A CALL_ENDED before the start cannot be
 *   this call's end and is ignored.
 * - Each join followed by a leave of a participant is one connection. A join before the start
 *   counts from the start, a leave after the end (or none at all) at the end. A leave without a
 *   join is ignored, and so is a second join while connected, except when the participant also
 *   leaves at that same instant: that is a drop and rejoin, and it makes two connections.
 *   Connections of no length (joined and left at the same instant) are dropped.
 * - Recording counts while it is on within [start, end); it stops at the end if still on. A stop
 *   while off and a start while on are ignored, except a start at the instant it stops, which is a
 *   restart. `recordingSeconds` rounds the total (not each stretch) to the nearest whole second,
 *   half a second up, so billing neither gains nor loses a second per stretch.
 */
export function assembleCall(events: readonly CallEvent[]): Assembly {
  const ordered = orderCallEvents(events);
  const started = ordered.find((event): event is CallStarted => event.type === 'CALL_STARTED');
  const ended = ordered.findLast(
    (event): event is CallEnded =>
      event.type === 'CALL_ENDED' && (started === undefined || event.at >= started.at),
  );
  if (started === undefined || ended === undefined) {
    const missing: ('CALL_STARTED' | 'CALL_ENDED')[] = [];
    if (started === undefined) missing.push('CALL_STARTED');
    if (ended === undefined) missing.push('CALL_ENDED');
    return { complete: false, missing };
  }

  const startedAt = started.at;
  const endedAt = ended.at;
  const withinCall = (at: number): number => Math.min(Math.max(at, startedAt), endedAt);

  const participants: AssembledParticipant[] = [];
  const connected = new Map<string, Omit<AssembledParticipant, 'leftAt'>>();
  const rejoining = new Map<string, ParticipantJoined>();
  const connect = (joined: ParticipantJoined): void => {
    connected.set(joined.participantId, {
      participantId: joined.participantId,
      callerNumber: joined.callerNumber,
      tollFree: joined.tollFree,
      joinedAt: withinCall(joined.at),
    });
  };

  let recordingMs = 0;
  let recordingSince: number | undefined;
  let restartingAt: number | undefined;

  for (const event of ordered) {
    switch (event.type) {
      case 'CALL_STARTED':
      case 'CALL_ENDED':
        break;
      case 'PARTICIPANT_JOINED': {
        if (!connected.has(event.participantId)) {
          connect(event);
          break;
        }
        // Kept in case a leave at this same instant follows (leaves sort after joins).
        const earlier = rejoining.get(event.participantId);
        if (earlier === undefined || earlier.at !== event.at) rejoining.set(event.participantId, event);
        break;
      }
      case 'PARTICIPANT_LEFT': {
        const connection = connected.get(event.participantId);
        if (connection === undefined) break;
        connected.delete(event.participantId);
        participants.push({ ...connection, leftAt: withinCall(event.at) });
        const rejoin = rejoining.get(event.participantId);
        rejoining.delete(event.participantId);
        if (rejoin !== undefined && rejoin.at === event.at) connect(rejoin);
        break;
      }
      case 'RECORDING_STARTED':
        if (recordingSince === undefined) recordingSince = withinCall(event.at);
        else restartingAt = event.at;
        break;
      case 'RECORDING_STOPPED':
        if (recordingSince === undefined) break;
        if (restartingAt === event.at) {
          // Stopped and started again at the same instant: it never stopped.
          restartingAt = undefined;
          break;
        }
        recordingMs += withinCall(event.at) - recordingSince;
        recordingSince = undefined;
        restartingAt = undefined;
        break;
    }
  }
  for (const connection of connected.values()) participants.push({ ...connection, leftAt: endedAt });
  if (recordingSince !== undefined) recordingMs += endedAt - recordingSince;

  return {
    complete: true,
    call: {
      accessCode: started.accessCode,
      startedAt,
      endedAt,
      participants: participants
        .filter((connection) => connection.leftAt > connection.joinedAt)
        .sort(
          (a, b) =>
            a.joinedAt - b.joinedAt || byCodeUnits(a.participantId, b.participantId) || a.leftAt - b.leftAt,
        ),
      recordingSeconds: Math.round(recordingMs / 1000),
    },
  };
}

/** Locale-independent, so the order is the same on every machine. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the sweeper makes of a call reported no more for a while and still not complete. */
export type OverdueClosing =
  | { readonly outcome: 'CLOSED'; readonly call: AssembledCall; readonly reason: string }
  | { readonly outcome: 'ABANDONED'; readonly reason: string };

/** An id no bridge event can have (ids are at most 200 characters). */
const SWEEPER_END_ID = `sweeper:${'~'.repeat(200)}`;

/**
 * Closes a call whose end never came — none reported, or only one before its start — at its last
 * reported activity (its start, if nothing followed it), so what was reported is billed and the
 * call can be reviewed; a call with no start cannot be closed (no access code, no start) and is
 * abandoned. The reason says which, for the review list.
 */
export function closeOverdueCall(events: readonly CallEvent[]): OverdueClosing {
  const ordered = orderCallEvents(events);
  const started = ordered.find((event): event is CallStarted => event.type === 'CALL_STARTED');
  if (started === undefined)
    return {
      outcome: 'ABANDONED',
      reason: 'no CALL_STARTED was reported: the call has no start or access code',
    };
  const lastAt = Math.max(started.at, ...ordered.map((event) => event.at));
  const endedEarly = ordered.find((event) => event.type === 'CALL_ENDED' && event.at < started.at);
  const reason =
    endedEarly === undefined
      ? 'no CALL_ENDED was reported; closed at its last reported activity'
      : `its CALL_ENDED (${new Date(endedEarly.at).toISOString()}) came before its CALL_STARTED ` +
        `(${new Date(started.at).toISOString()}); closed at its last reported activity`;
  const assembly = assembleCall([...events, { type: 'CALL_ENDED', eventId: SWEEPER_END_ID, at: lastAt }]);
  if (!assembly.complete) throw new Error('a call with a start and an end after it is complete');
  return { outcome: 'CLOSED', call: assembly.call, reason };
}
