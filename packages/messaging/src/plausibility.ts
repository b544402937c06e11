import { type EventOf, type TopicName, TOPICS } from '@switchboard/contracts';

/** How far an event's `occurredAt` may stray from the consumer's clock. */
export interface PlausibilityLimits {
  /** Ahead of now (clock skew between producer and consumer). */
  readonly maxFutureSkewMs: number;
  /**
   * Behind now, on a topic that keeps events for days: older than its retention and older than
   * this, an event's time is a lie (compacted and kept-forever topics hold old events by design and
   * are not checked).
   */
  readonly maxAgeMs: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilityLimits = {
  maxFutureSkewMs: 5 * 60_000,
  maxAgeMs: 366 * 86_400_000,
};

const DAY_MS = 86_400_000;

/**
 * Why an event that decoded must still not be applied, or undefined when it makes sense: its
 * producer does not own the topic (nor is a producer system the catalog allows), its time is far
 * in the future or past, or the topic's own sense check refuses it.
 */
export function implausibility<T extends TopicName>(
  topic: T,
  event: EventOf<T>,
  now: number,
  limits: PlausibilityLimits = DEFAULT_PLAUSIBILITY,
): string | undefined {
  const spec = TOPICS[topic];
  const { producer, occurredAt } = event.meta;
  const allowed: readonly string[] = [spec.owner, ...(spec.externalProducers ?? [])];
  if (!allowed.includes(producer))
    return `meta.producer "${producer}" may not produce ${topic} (its producers: ${allowed.join(', ')})`;
  if (occurredAt > now + limits.maxFutureSkewMs)
    return `meta.occurredAt is ${Math.round((occurredAt - now) / 1000)} s in the future, beyond the ${limits.maxFutureSkewMs / 1000} s allowed`;
  const { retention } = spec;
  if (retention.kind === 'delete' && retention.days !== 'forever') {
    const oldest = now - Math.max(retention.days * DAY_MS, limits.maxAgeMs);
    if (occurredAt < oldest)
      return `meta.occurredAt ${new Date(occurredAt).toISOString()} is further back than the topic keeps events (${retention.days} days) and than ${Math.round(limits.maxAgeMs / DAY_MS)} days`;
  }
  const check = spec.nonsense as ((event: EventOf<T>) => string | undefined) | undefined;
  return check?.(event);
}
