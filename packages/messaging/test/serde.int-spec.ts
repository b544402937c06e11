import { avroTypeOf, schemaOf, type TopicName, TOPICS } from '@switchboard/contracts';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messaging } from '../src/messaging.ts';
import { SchemaIncompatibleError } from '../src/registry.ts';
import { frame } from '../src/serde.ts';
import { isolatedMessaging, readTopic, sampleEvent } from './support.ts';

const ALL = Object.keys(TOPICS) as TopicName[];

describe('Avro over Kafka with the schema registry', () => {
  let messaging: Messaging;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ messaging, cleanup } = await isolatedMessaging(ALL, []));
    await messaging.publisher.start(ALL);
  });

  afterAll(async () => {
    await messaging.publisher.stop();
    await cleanup();
  });

  it.each(ALL)('round-trips %s through Kafka in Confluent wire format', async (topic) => {
    const event = sampleEvent(topic);
    const key = (event as unknown as Record<string, string>)[TOPICS[topic].key] ?? '';
    await messaging.publisher.publish(topic, key, event);
    const [record] = await readTopic(messaging, messaging.names.physical(topic), (r) => r.length >= 1);
    expect(record?.key?.toString()).toBe(key);
    expect(record?.value?.readUInt8(0)).toBe(0);
    expect(record?.value?.readInt32BE(1)).toBe(messaging.serde.schemaId(topic));
    expect(await messaging.serde.decode(topic, record?.value ?? null)).toEqual(event);
  });

  it('lets this code read events written with a newer, compatible schema', async () => {
    const topic = 'orders.order-placed.v1';
    const current = schemaOf(TOPICS[topic].schema) as { fields: object[] };
    const newer = {
      ...current,
      fields: [...current.fields, { name: 'note', type: ['null', 'string'], default: null, doc: 'x' }],
    };
    const subject = `${messaging.names.physical(topic)}-value`;
    const newerId = await messaging.registry.register(subject, newer);
    expect(newerId).not.toBe(messaging.serde.schemaId(topic));

    const event = sampleEvent(topic);
    const written = frame(
      newerId,
      avro.Type.forSchema(newer as avro.Schema).toBuffer({ ...event, note: 'bring slides' }),
    );
    expect(await messaging.serde.decode(topic, written)).toEqual(event);
  });

  it('has the registry reject an incompatible schema with an error naming the subject', async () => {
    const topic = 'orders.order-cancelled.v1';
    const current = schemaOf(TOPICS[topic].schema) as { fields: object[] };
    const breaking = { ...current, fields: [...current.fields, { name: 'fee', type: 'long', doc: 'x' }] };
    const subject = `${messaging.names.physical(topic)}-value`;
    const attempt = messaging.registry.register(subject, breaking);
    await expect(attempt).rejects.toThrow(SchemaIncompatibleError);
    await expect(attempt).rejects.toThrow(subject);
  });

  it('decodes without calling the registry once a writer schema is known', async () => {
    const topic = 'crm.customer-updated.v1';
    const value = messaging.serde.encode(topic, sampleEvent(topic));
    await messaging.serde.decode(topic, value);
    const calls: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      calls.push(input instanceof Request ? input.url : input.toString());
      return realFetch(input, init);
    };
    try {
      for (let i = 0; i < 100; i++) await messaging.serde.decode(topic, value);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(calls).toEqual([]);
    expect(avroTypeOf(TOPICS[topic].schema)).toBe(avroTypeOf(TOPICS[topic].schema));
  });
});
