import { randomUUID } from 'node:crypto';
import type { EventMeta, ServiceName } from '@switchboard/contracts';

/**
 * The `meta` of a new event. `correlationId` names the business flow it belongs to (e.g. the
 * order id of a booking, passed on by every event that follows); `causationId` is the id of the
 * event it answers, when it answers one; `actor` the client id of the caller whose request started
 * the flow (never a token), passed on like the correlation id.
 */
export function newMeta(
  producer: ServiceName,
  flow: {
    readonly correlationId?: string;
    readonly causationId?: string | null;
    readonly actor?: string | null;
  } = {},
): EventMeta {
  const eventId = randomUUID();
  return {
    eventId,
    occurredAt: Date.now(),
    producer,
    correlationId: flow.correlationId ?? eventId,
    causationId: flow.causationId ?? null,
    actor: flow.actor ?? null,
  };
}

/** The meta of an event that follows from `cause`: same flow, caused by it. */
export function metaFollowing(producer: ServiceName, cause: EventMeta): EventMeta {
  return newMeta(producer, {
    correlationId: cause.correlationId,
    causationId: cause.eventId,
    actor: cause.actor,
  });
}
