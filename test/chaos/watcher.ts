import { randomUUID } from 'node:crypto';
import type { EventOf, TopicName } from '@switchboard/contracts';
import { kafkaClientConfig, type Messaging } from '@switchboard/messaging';
import { stackEndpoints, testKafkaSecurity } from '@switchboard/testing';
import kafkajs, { type Consumer } from 'kafkajs';

/** The topics whose events tell how far the flows got. */
export const WATCHED = [
  'orders.order-placed.v1',
  'conference.bridge-reserved.v1',
  'orders.order-confirmed.v1',
  'conference.call-completed.v1',
  'billing.call-charged.v1',
  'billing.invoice-issued.v1',
  'mailing.message-sent.v1',
  'mailing.campaign-completed.v1',
] as const satisfies readonly TopicName[];

export type Watched = (typeof WATCHED)[number];

export interface Seen<T extends TopicName> {
  /** When it was published (the record's timestamp, epoch ms). */
  readonly at: number;
  readonly partition: number;
  readonly offset: number;
  readonly event: EventOf<T>;
}

/**
 * Reads the run's topics from the beginning as they fill, as any consumer group would (its own
 * group, the tests' principal), and keeps every event with the time it was published.
 *
 * Its group is thrown away with it, so it commits nothing (an offset commit per batch would be load
 * on the broker the system under test shares); after a rebalance it reads from the beginning again
 * and skips what it has kept.
 */
export class Watcher {
  private readonly seen: Map<Watched, Seen<Watched>[]>;
  /** Per topic and partition, the next offset not kept yet. */
  private readonly next = new Map<string, number>();
  private consumer: Consumer | undefined;
  /** Records it could not decode (none expected: every producer here is ours). */
  undecodable = 0;

  /** `name`: its client id and group prefix; `topics`: what it reads (default WATCHED). */
  constructor(
    private readonly messaging: Messaging,
    private readonly name = 'chaos-watcher',
    private readonly topics: readonly Watched[] = WATCHED,
  ) {
    this.seen = new Map(topics.map((t) => [t, []]));
  }

  async start(): Promise<void> {
    const { names, serde } = this.messaging;
    const logical = new Map<string, Watched>(this.topics.map((t) => [names.physical(t), t]));
    // Its own client, silent: it outlives the broker restart, whose reconnect errors are expected.
    const kafka = new kafkajs.Kafka({
      ...kafkaClientConfig(this.name, stackEndpoints().kafkaBrokers, testKafkaSecurity()),
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `${this.name}-${randomUUID()}`, maxWaitTimeInMs: 200 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [...logical.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const name = logical.get(topic);
        const position = `${topic}:${partition}`;
        const offset = Number(message.offset);
        if (offset < (this.next.get(position) ?? 0)) return;
        this.next.set(position, offset + 1);
        if (!name || !message.value) return;
        try {
          const event = await serde.decode<Watched>(name, message.value);
          this.seen.get(name)?.push({ at: Number(message.timestamp), partition, offset, event });
        } catch {
          this.undecodable += 1;
        }
      },
    });
  }

  /** Every event seen on `topic` so far, in the order they arrived. */
  events<T extends Watched>(topic: T): readonly Seen<T>[] {
    return (this.seen.get(topic) ?? []) as unknown as readonly Seen<T>[];
  }

  /** The first sighting of each distinct value of `key`, and how many distinct events (by id) carried it. */
  distinct<T extends Watched>(
    topic: T,
    key: (event: EventOf<T>) => string,
    where: (event: EventOf<T>) => boolean = () => true,
  ): Map<string, { first: number; eventIds: Set<string> }> {
    const found = new Map<string, { first: number; eventIds: Set<string> }>();
    for (const { at, event } of this.events(topic)) {
      if (!where(event)) continue;
      const id = key(event);
      const entry = found.get(id) ?? { first: at, eventIds: new Set<string>() };
      entry.first = Math.min(entry.first, at);
      entry.eventIds.add((event as { meta: { eventId: string } }).meta.eventId);
      found.set(id, entry);
    }
    return found;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
