import type { EventOf, TopicName } from '@switchboard/contracts';
import { type IHeaders, type Kafka, Partitioners, type Producer } from 'kafkajs';
import { assertKeyOf } from './keys.ts';
import { type MessagingMetrics, NO_METRICS } from './metrics.ts';
import type { AvroSerde } from './serde.ts';
import { TopicNames } from './topic-names.ts';
import { injectTraceContext, withPublishSpan } from './tracing.ts';

/** A record ready to send: value already in wire format. */
export interface RawRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers?: IHeaders;
}

/**
 * Publishes events with an idempotent producer (acks=all, one request in flight, so a key's events
 * keep their order through retries), each in a PRODUCER span whose context travels in the record's
 * W3C trace headers.
 */
export class EventPublisher {
  private producer: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly serde: AvroSerde,
    private readonly metrics: MessagingMetrics = NO_METRICS,
    private readonly names: TopicNames = new TopicNames(),
  ) {
    this.producer = this.createProducer();
  }

  private createProducer(): Producer {
    return this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Connects and registers the schemas of the topics it will publish to. */
  async start(topics: readonly TopicName[]): Promise<void> {
    await Promise.all([this.producer.connect(), this.serde.prepare(topics)]);
  }

  /** Publishes one event; `key` must be the event's aggregate id, the topic's key field. */
  async publish<T extends TopicName>(topic: T, key: string, event: EventOf<T>): Promise<void> {
    assertKeyOf(topic, key, event);
    const value = this.serde.encode(topic, event);
    const physical = this.names.physical(topic);
    await withPublishSpan({ topic: physical, key, eventId: event.meta.eventId }, async () => {
      const headers: Record<string, string> = {};
      injectTraceContext(headers);
      await this.send([{ topic: physical, key, value, headers }]);
    });
  }

  /** Sends records already encoded (outbox rows, retries, dead letters) to physical topics. */
  async send(records: readonly RawRecord[]): Promise<void> {
    const byTopic = new Map<string, RawRecord[]>();
    for (const record of records) {
      const list = byTopic.get(record.topic);
      if (list) list.push(record);
      else byTopic.set(record.topic, [record]);
    }
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic.entries()].map(([topic, list]) => ({
        topic,
        messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
      })),
    });
    for (const record of records) this.metrics.published?.(record.topic);
  }

  /**
   * Replaces the producer with a new one, which gets a new producer id from the broker. Needed
   * after a failed send of records to several partitions: kafkajs then rolls back the sequence
   * numbers of every partition of the request, also of those the broker had already appended, and
   * the broker's duplicate check would refuse — or silently drop as a duplicate — the next records
   * sent to them under the reused numbers. Records sent again after a reset may appear twice; the
   * consumers' inbox absorbs that. Only for a publisher no one else sends through meanwhile.
   */
  async reset(): Promise<void> {
    const old = this.producer;
    this.producer = this.createProducer();
    await old.disconnect().catch(() => undefined);
    await this.producer.connect();
  }

  async stop(): Promise<void> {
    await this.producer.disconnect();
  }
}
