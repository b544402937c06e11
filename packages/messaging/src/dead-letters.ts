import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DLQ_READER_GROUP_PREFIX, replayGroupOf } from './acls.ts';
import { HEADERS } from './consumer.ts';
import type { EventPublisher } from './publisher.ts';
import type { TopicNames } from './topic-names.ts';

/** A record parked in a dead-letter topic, with the story its headers tell. */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string;
  readonly value: Buffer | null;
  readonly originalTopic: string;
  readonly originalPartition: string;
  readonly originalOffset: string;
  readonly errorClass: string;
  readonly errorMessage: string;
  readonly attempts: string;
  readonly failedAt: string;
  /** True once `replay` sent it back to its original topic. */
  readonly replayed: boolean;
  readonly headers: IHeaders;
}

function text(headers: IHeaders | undefined, name: string): string {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString() ?? '';
}

/** Reads a whole topic as it is now (up to its high watermarks) without committing anything. */
async function readAll(
  kafka: Kafka,
  names: TopicNames,
  topic: string,
): Promise<{ partition: number; message: KafkaMessage }[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high) - 1]),
  );
  const records: { partition: number; message: KafkaMessage }[] = [];
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: names.group(`${DLQ_READER_GROUP_PREFIX}${randomUUID()}`) });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        records.push({ partition, message });
        if (Number(message.offset) >= (remaining.get(partition) ?? -1)) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/** Lists a consumer's dead letters for one topic, oldest first per partition. */
export async function listDeadLetters(
  kafka: Kafka,
  names: TopicNames,
  topic: string,
  consumer: string,
): Promise<DeadLetter[]> {
  const dlq = names.deadLetter(topic, consumer);
  const admin = kafka.admin();
  await admin.connect();
  const committed = new Map(
    (await admin.fetchOffsets({ groupId: names.group(replayGroupOf(consumer)), topics: [dlq] }))
      .flatMap((t) => t.partitions)
      .map((p) => [p.partition, Number(p.offset)]),
  );
  await admin.disconnect();
  return (await readAll(kafka, names, dlq)).map(({ partition, message }) => ({
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? '',
    value: message.value,
    originalTopic: text(message.headers, HEADERS.originalTopic),
    originalPartition: text(message.headers, HEADERS.originalPartition),
    originalOffset: text(message.headers, HEADERS.originalOffset),
    errorClass: text(message.headers, HEADERS.errorClass),
    errorMessage: text(message.headers, HEADERS.errorMessage),
    attempts: text(message.headers, HEADERS.attempts),
    failedAt: text(message.headers, HEADERS.failedAt),
    replayed: Number(message.offset) < (committed.get(partition) ?? 0),
    headers: message.headers ?? {},
  }));
}

/**
 * Sends the given dead letters back to their original topic (same key, value and trace headers; a
 * fresh attempt count, and `x-replayed-from` naming where each was parked). Records nothing.
 */
export async function sendBack(
  publisher: EventPublisher,
  names: TopicNames,
  topic: string,
  consumer: string,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  const own = new Set<string>(Object.values(HEADERS));
  await publisher.send(
    letters.map((d) => ({
      topic: d.originalTopic || names.physical(topic),
      key: d.key,
      value: d.value ?? Buffer.alloc(0),
      headers: {
        ...Object.fromEntries(Object.entries(d.headers).filter(([name]) => !own.has(name))),
        'x-replayed-from': `${names.deadLetter(topic, consumer)}/${d.partition}/${d.offset}`,
      },
    })),
  );
}

/** Records the dead letters up to and including these as replayed (the replay group's offsets). */
export async function markReplayed(
  kafka: Kafka,
  names: TopicNames,
  topic: string,
  consumer: string,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  const next = new Map<number, number>();
  for (const d of letters) next.set(d.partition, Math.max(next.get(d.partition) ?? 0, Number(d.offset) + 1));
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.setOffsets({
      groupId: names.group(replayGroupOf(consumer)),
      topic: names.deadLetter(topic, consumer),
      partitions: [...next.entries()].map(([partition, offset]) => ({ partition, offset: String(offset) })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Sends every dead letter not yet replayed back to its original topic (same key, value and trace
 * headers; a fresh attempt count), then records them as replayed. Returns what it replayed.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  publisher: EventPublisher,
  names: TopicNames,
  topic: string,
  consumer: string,
): Promise<DeadLetter[]> {
  const pending = (await listDeadLetters(kafka, names, topic, consumer)).filter((d) => !d.replayed);
  await sendBack(publisher, names, topic, consumer, pending);
  await markReplayed(kafka, names, topic, consumer, pending);
  return pending;
}
