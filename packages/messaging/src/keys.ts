import { type EventOf, type TopicName, TOPICS } from '@switchboard/contracts';
import { MessagingError } from './errors.ts';

/**
 * Fails unless `key` is the event's aggregate id, the field the catalog names as the topic's key,
 * so a key's events always land on one partition, in order.
 */
export function assertKeyOf<T extends TopicName>(topic: T, key: string, event: EventOf<T>): void {
  const keyField = TOPICS[topic].key;
  const expected = (event as unknown as Record<string, unknown>)[keyField];
  if (expected !== key) {
    throw new MessagingError(
      `key for ${topic} must be the event's ${keyField} (${String(expected)}), got ${key}`,
    );
  }
}
