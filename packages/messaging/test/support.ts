import { randomUUID } from 'node:crypto';
import { avroTypeOf, type EventOf, type TopicName, TOPICS } from '@switchboard/contracts';
import { PGlite } from '@electric-sql/pglite';
import { stackEndpoints } from '@switchboard/testing';
import kafkajs, { type Admin, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { createMessaging, type Messaging } from '../src/messaging.ts';
import { pgliteDatabase, type SqlDatabase } from '@switchboard/database';
import { migrateMessagingTables } from '../src/schema.ts';
import { applyTopics, plannedTopics } from '../src/topics.ts';
import { implausibility } from '../src/plausibility.ts';

/**
 * A test run's own topics and subjects on the shared stack: every physical name gets a unique
 * prefix, and `cleanup` deletes them.
 */
export async function isolatedMessaging(
  topics: readonly TopicName[],
  consumers: readonly string[],
): Promise<{ messaging: Messaging; admin: Admin; cleanup: () => Promise<void> }> {
  const { kafkaBrokers, schemaRegistryUrl } = stackEndpoints();
  const messaging = createMessaging({
    service: 'messaging-test',
    brokers: kafkaBrokers,
    registryUrl: schemaRegistryUrl,
    topicPrefix: `t${randomUUID().slice(0, 8)}.`,
  });
  const admin = messaging.kafka.admin();
  await admin.connect();
  const catalog = Object.fromEntries(topics.map((t) => [t, TOPICS[t]]));
  const plans = plannedTopics(catalog, messaging.names, consumers);
  await applyTopics(admin, plans);
  // As the contracts tool does: the bus only looks schemas up.
  await messaging.serde.register(topics);
  const cleanup = async (): Promise<void> => {
    await admin.deleteTopics({ topics: plans.map((p) => p.name) }).catch(() => undefined);
    await admin.disconnect();
    for (const topic of topics)
      await messaging.registry.deleteSubject(`${messaging.names.physical(topic)}-value`, { permanent: true });
  };
  return { messaging, admin, cleanup };
}

/**
 * A valid random event of a topic, with a fresh key and event id, from its owner, now, and making
 * sense (consumers park implausible events). The values the catalog's sense checks look at are put
 * in order rather than drawn again: avsc's generator can fall into a cycle in which no draw makes
 * sense, and a loop waiting for one would never end.
 */
export function sampleEvent<T extends TopicName>(topic: T): EventOf<T> {
  const event = avroTypeOf(TOPICS[topic].schema).random() as unknown as Record<string, unknown>;
  const meta = event.meta as Record<string, unknown>;
  const sample = sensible({
    ...event,
    [TOPICS[topic].key]: randomUUID(),
    meta: { ...meta, eventId: randomUUID(), occurredAt: Date.now(), producer: TOPICS[topic].owner },
  }) as unknown as EventOf<T>;
  const nonsense = implausibility(topic, sample, Date.now());
  if (nonsense !== undefined) throw new Error(`sampleEvent(${topic}) made an implausible event: ${nonsense}`);
  return sample;
}

/** Intervals in order (start before end), counts and durations positive, in the event and its participants. */
function sensible(event: Record<string, unknown>): Record<string, unknown> {
  const ordered = (on: Record<string, unknown>, start: string, end: string): void => {
    const [a, b] = [on[start], on[end]];
    if (typeof a !== 'number' || typeof b !== 'number') return;
    const [first, last] = a <= b ? [a, b] : [b, a];
    on[start] = first;
    on[end] = last > first ? last : first + 1;
  };
  ordered(event, 'startedAt', 'endedAt');
  ordered(event, 'startsAt', 'endsAt');
  for (const field of ['durationMinutes', 'expectedParticipants', 'recordingSeconds']) {
    const value = event[field];
    if (typeof value === 'number') event[field] = (Math.abs(value) % 1000) + 1;
  }
  if (Array.isArray(event.participants)) {
    event.participants = event.participants.map((p: Record<string, unknown>) => {
      const copy = { ...p };
      ordered(copy, 'joinedAt', 'leftAt');
      return copy;
    });
  }
  return event;
}

/** Reads every record of a physical topic from the beginning until `until` says it has enough. */
export async function readTopic(
  messaging: Messaging,
  topic: string,
  until: (records: KafkaMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<KafkaMessage[]> {
  const consumer = messaging.kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const records: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    return await new Promise<KafkaMessage[]>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${records.length} records on ${topic} after ${timeoutMs} ms`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          records.push(message);
          if (until(records)) {
            clearTimeout(timer);
            resolve(records);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}

export function headerText(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

export const { logLevel } = kafkajs;

/**
 * Registers hooks that give the enclosing `describe` its own topics (publisher started for them)
 * and clean them up afterwards; call the returned function inside tests.
 */
export function useIsolatedMessaging(
  topics: readonly TopicName[],
  consumers: readonly string[],
): () => Messaging {
  let messaging: Messaging | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging(topics, consumers));
    await messaging.publisher.start(topics);
  });
  afterAll(async () => {
    await messaging?.publisher.stop();
    await cleanup?.();
  });
  return () => {
    if (!messaging) throw new Error('messaging is set up in beforeAll');
    return messaging;
  };
}

/** A database a test opened, and how to let it go. */
export interface OpenedDatabase {
  readonly db: SqlDatabase;
  readonly close: () => Promise<void>;
}

/** An in-process database with the bus's tables, for consumers whose handlers write nothing else. */
export async function messagingDatabase(): Promise<OpenedDatabase> {
  const instance = new PGlite();
  const db = pgliteDatabase(instance);
  await migrateMessagingTables(db);
  return { db, close: () => instance.close() };
}
