import { type AnyTopicSpec, TOPICS } from '@switchboard/contracts';
import type { Admin } from 'kafkajs';
import { TopicNames } from './topic-names.ts';

/** How far one consumer group is behind on one partition of a topic it consumes. */
export interface PartitionLag {
  /** The group, as on the broker (with the naming's prefix). */
  readonly group: string;
  /** The consumer (service) the group belongs to. */
  readonly consumer: string;
  /** The catalog topic. */
  readonly topic: string;
  readonly partition: number;
  /** The offset the group committed; -1 while it has committed none. */
  readonly committed: number;
  /** The partition's end (the offset the next record will get). */
  readonly end: number;
  /** Records on the partition the group has not handled yet. */
  readonly lag: number;
}

/**
 * Every consumer group's lag per partition of every catalog topic it consumes, read from the
 * broker's committed offsets and the partitions' ends (what a lag exporter reads). A group that
 * has committed nothing counts from the partition's start.
 */
export async function consumerLag(
  admin: Admin,
  names: TopicNames = new TopicNames(),
  catalog: Readonly<Record<string, AnyTopicSpec>> = TOPICS,
): Promise<PartitionLag[]> {
  const topicsOf = new Map<string, string[]>();
  for (const [topic, spec] of Object.entries(catalog))
    for (const consumer of spec.consumers) topicsOf.set(consumer, [...(topicsOf.get(consumer) ?? []), topic]);
  const ends = new Map<string, { partition: number; high: number; low: number }[]>();
  await Promise.all(
    [...new Set([...topicsOf.values()].flat())].map(async (topic) => {
      const offsets = await admin.fetchTopicOffsets(names.physical(topic));
      ends.set(
        topic,
        offsets.map((o) => ({ partition: o.partition, high: Number(o.high), low: Number(o.low) })),
      );
    }),
  );
  const lags: PartitionLag[] = [];
  for (const [consumer, topics] of [...topicsOf].sort(([a], [b]) => a.localeCompare(b))) {
    const group = names.group(consumer);
    const committed = await admin.fetchOffsets({
      groupId: group,
      topics: topics.map((t) => names.physical(t)),
    });
    for (const topic of topics) {
      const byPartition = new Map(
        (committed.find((c) => c.topic === names.physical(topic))?.partitions ?? []).map((p) => [
          p.partition,
          Number(p.offset),
        ]),
      );
      for (const end of ends.get(topic) ?? []) {
        const offset = byPartition.get(end.partition) ?? -1;
        const from = offset < 0 ? end.low : offset;
        lags.push({
          group,
          consumer,
          topic,
          partition: end.partition,
          committed: offset,
          end: end.high,
          lag: Math.max(0, end.high - from),
        });
      }
    }
  }
  return lags;
}
