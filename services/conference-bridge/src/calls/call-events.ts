import { z } from 'zod';

/**
 * An ISO-8601 date and time with seconds and an explicit offset (`Z` or `±hh:mm`), as epoch
 * milliseconds. A time without an offset is refused: it would mean a different instant in every
 * time zone. Digits below the millisecond are dropped.
 */
export const instantSchema = z.iso.datetime({ offset: true }).transform((value) => Date.parse(value));

/** The bridge's own id of an event; the same id arriving twice is the same event. */
const eventId = z.string().min(1).max(200);
const at = instantSchema;
const participantId = z.string().min(1).max(200);

/** The bridge's call activity as it reaches the service; `at` becomes epoch milliseconds. */
export const callEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('CALL_STARTED'), eventId, at, accessCode: z.string().regex(/^\d{4,12}$/) }),
  z.object({
    type: z.literal('PARTICIPANT_JOINED'),
    eventId,
    at,
    participantId,
    callerNumber: z.string().max(40).nullable().default(null),
    tollFree: z.boolean().default(false),
  }),
  z.object({ type: z.literal('PARTICIPANT_LEFT'), eventId, at, participantId }),
  z.object({ type: z.literal('RECORDING_STARTED'), eventId, at }),
  z.object({ type: z.literal('RECORDING_STOPPED'), eventId, at }),
  z.object({ type: z.literal('CALL_ENDED'), eventId, at }),
]);

/** A call event as the bridge sends it (`at` an ISO-8601 string, defaults not yet applied). */
export type CallEventInput = z.input<typeof callEventSchema>;
/** A validated call event (`at` in epoch milliseconds, defaults applied). */
export type CallEvent = z.output<typeof callEventSchema>;
export type CallEventType = CallEvent['type'];
