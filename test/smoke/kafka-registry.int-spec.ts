import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  stackEndpoints,
  testKafkaSecurity,
  testRegistryCredentials,
  testRegistryHeaders,
  waitFor,
} from '@switchboard/testing';

const schema = {
  type: 'record',
  name: 'SmokeCharged',
  namespace: 'dev.switchboard.smoke',
  fields: [
    { name: 'chargeId', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'amountMinor', type: 'long' },
    { name: 'currency', type: 'string' },
  ],
};

describe('Kafka and the schema registry', () => {
  const endpoints = stackEndpoints();
  // As any kafkajs application would connect: SASL/SCRAM with the principal's name and password.
  const { sasl } = testKafkaSecurity();
  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: [...endpoints.kafkaBrokers],
    logLevel: logLevel.NOTHING,
    ...(sasl && { sasl: { mechanism: 'scram-sha-512', username: sasl.username, password: sasl.password } }),
  });
  // HTTP basic, as Confluent clients send it (basic.auth.user.info): an OAuth 2.0 client's id and secret.
  const credentials = testRegistryCredentials();
  const registry = new SchemaRegistry({
    host: endpoints.schemaRegistryUrl,
    ...(credentials && { auth: { username: credentials.username, password: credentials.password } }),
  });
  const topic = `smoke.charge-${randomUUID()}.v1`;
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    // A subject is soft-deleted first, then for good, so repeated runs leave the registry clean.
    const subject = `${endpoints.schemaRegistryUrl}/subjects/${topic}-value`;
    await fetch(subject, { method: 'DELETE', headers: testRegistryHeaders() });
    await fetch(`${subject}?permanent=true`, { method: 'DELETE', headers: testRegistryHeaders() });
  });

  it('carries an Avro record in Confluent wire format from producer to consumer', async () => {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject: `${topic}-value` },
    );
    const record = { chargeId: randomUUID(), amountMinor: 12_345, currency: 'EUR' };
    const value = await registry.encode(id, record);

    // Confluent framing: magic byte 0, then the schema id as a big-endian int32, then Avro.
    expect(value[0]).toBe(0);
    expect(value.readInt32BE(1)).toBe(id);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: record.chargeId, value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    const received: Buffer[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) received.push(message.value);
      },
    });
    try {
      const bytes = await waitFor(async () => received[0], {
        description: `a record on ${topic}`,
        timeoutMs: 30_000,
      });
      expect(await registry.decode(bytes)).toEqual(record);

      // Any Confluent-compatible client can read it: fetch the writer schema by id and decode.
      const response = await fetch(`${endpoints.schemaRegistryUrl}/schemas/ids/${bytes.readInt32BE(1)}`, {
        headers: testRegistryHeaders(),
      });
      const { schema: writerSchema } = (await response.json()) as { schema: string };
      const writer = avro.Type.forSchema(JSON.parse(writerSchema) as avro.Schema);
      expect(writer.fromBuffer(bytes.subarray(5))).toEqual(record);
    } finally {
      await consumer.disconnect();
    }
  });

  it('rejects a schema change that breaks BACKWARD compatibility, naming the subject', async () => {
    const subject = `${topic}-value`;
    await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    // A new required field without a default cannot read records written with the old schema.
    const breaking = { ...schema, fields: [...schema.fields, { name: 'taxMinor', type: 'long' }] };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject }),
    ).rejects.toThrow(/incompatible|compatib/i);

    const compatible = {
      ...schema,
      fields: [...schema.fields, { name: 'note', type: ['null', 'string'], default: null }],
    };
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(compatible) },
      { subject },
    );
    expect(id).toBeGreaterThan(0);
  });
});
