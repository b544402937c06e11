import { randomUUID } from 'node:crypto';
import { TOPICS } from '@switchboard/contracts';
import type { KafkaSecurity } from '@switchboard/config';
import { applyAcls, kafkaClientConfig, plannedAcls } from '@switchboard/messaging';
import {
  createTestTopics,
  kafkaPrincipal,
  stackEndpoints,
  testKafka,
  type TestTopics,
  waitFor,
} from '@switchboard/testing';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const { Kafka: KafkaClient, logLevel, Partitioners } = kafkajs;

/** Each principal's own password, as the local stack made it. */
function principal(name: string): KafkaSecurity {
  const security = kafkaPrincipal(name);
  if (!security)
    throw new Error(`the run does not know the Kafka password of ${name}: these tests need the local stack`);
  return security;
}

/** A client that gives up at once, so a refusal is seen as the broker's answer and not as a timeout. */
function client(security: KafkaSecurity, brokers: readonly string[] = stackEndpoints().kafkaBrokers): Kafka {
  return new KafkaClient({
    ...kafkaClientConfig(`kafka-security-${randomUUID().slice(0, 8)}`, brokers, security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    retry: { retries: 0 },
  });
}

/** Sends one record as the principal; resolves, or rejects with the broker's refusal. */
async function send(security: KafkaSecurity, topic: string, brokers?: readonly string[]): Promise<void> {
  const producer = client(security, brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: [{ key: 'k', value: 'not an event: the broker decides before any consumer reads it' }],
    });
  } finally {
    await producer.disconnect();
  }
}

/** Joins a group as the principal and waits for the first record or the consumer's crash. */
async function consumeOne(security: KafkaSecurity, groupId: string, topic: string): Promise<string> {
  const consumer = client(security).consumer({ groupId, retry: { retries: 0 } });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer
        .run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('Kafka: every client authenticated, each principal limited to what the catalog gives it', () => {
  let topics: TestTopics;
  let admin: Admin;
  const acls = (): ReturnType<typeof plannedAcls> => plannedAcls(TOPICS, topics.messaging.names);
  const topic = (name: keyof typeof TOPICS): string => topics.messaging.names.physical(name);

  beforeAll(async () => {
    topics = await createTestTopics({ acls: true });
    admin = topics.messaging.kafka.admin();
    await admin.connect();
    // The broker applies new ACLs a moment after the controller accepted them.
    await waitFor(async () => (await send(principal('billing'), topic('billing.call-charged.v1')), true), {
      description: "billing's ACLs to reach the broker",
    });
  });

  afterAll(async () => {
    await admin?.disconnect();
    await topics?.cleanup();
  });

  it('refuses a client without credentials, and one with a wrong password', async () => {
    const anonymous = new KafkaClient({
      clientId: 'anonymous',
      brokers: [...stackEndpoints().kafkaBrokers],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 3000,
      retry: { retries: 0 },
    }).admin();
    // The broker closes a connection that does not authenticate before it asks anything.
    await expect(anonymous.connect().then(() => anonymous.listTopics())).rejects.toThrow(
      /closed connection/i,
    );
    await anonymous.disconnect();

    const billing = principal('billing');
    const wrong = { ...billing, sasl: { ...billing.sasl!, password: 'not-the-password' } };
    await expect(send(wrong, topic('billing.call-charged.v1'))).rejects.toThrow(/authentication failed/i);
  });

  it('lets billing write the topics it owns and refuses it a topic crm owns', async () => {
    await expect(send(principal('billing'), topic('billing.invoice-issued.v1'))).resolves.toBeUndefined();
    await expect(send(principal('billing'), topic('crm.customer-registered.v1'))).rejects.toThrow(
      /not authorized/i,
    );
  });

  it("lets billing read what it consumes in its own group, and refuses it orders' group and topics it does not consume", async () => {
    await send(principal('conference-bridge'), topic('conference.call-completed.v1'));
    await expect(
      consumeOne(
        principal('billing'),
        topics.messaging.names.group('billing'),
        topic('conference.call-completed.v1'),
      ),
    ).resolves.toMatch(/not an event/);
    // The broker answers GROUP_AUTHORIZATION_FAILED to the coordinator look-up; kafkajs reports
    // that as not finding the coordinator. The same call in billing's own group worked above.
    await expect(
      consumeOne(
        principal('billing'),
        topics.messaging.names.group('orders'),
        topic('crm.customer-registered.v1'),
      ),
    ).rejects.toThrow(/not authorized|failed to find group coordinator/i);
    await expect(
      consumeOne(
        principal('billing'),
        topics.messaging.names.group('billing'),
        topic('orders.order-placed.v1'),
      ),
    ).rejects.toThrow(/not authorized/i);
  });

  it('lets the PBX collector report calls and nothing else', async () => {
    await expect(
      send(principal('pbx-collector'), topic('conference.call-completed.v1')),
    ).resolves.toBeUndefined();
    await expect(send(principal('pbx-collector'), topic('billing.call-charged.v1'))).rejects.toThrow(
      /not authorized/i,
    );
  });

  it("speaks TLS on the broker's SASL_SSL listener to a client that trusts the stack's certificate, and only to it", async () => {
    const tls = testKafka().tls;
    if (!tls) throw new Error('the run knows no TLS listener: this test needs the local stack');
    const overTls: KafkaSecurity = {
      ...principal('billing'),
      protocol: 'SASL_SSL',
      tls: { caFile: tls.caFile },
    };
    await expect(send(overTls, topic('billing.call-charged.v1'), tls.brokers)).resolves.toBeUndefined();
    // The system's CAs do not know a certificate the stack made for itself.
    const untrusting: KafkaSecurity = { ...overTls, tls: {} };
    await expect(send(untrusting, topic('billing.call-charged.v1'), tls.brokers)).rejects.toThrow(
      /certificate/i,
    );
  });

  it('applies the ACLs idempotently, and takes back a grant the catalog does not give', async () => {
    const names = topics.messaging.names;
    const again = await applyAcls(admin, acls(), { names });
    expect(again?.filter((c) => c.action !== 'unchanged')).toEqual([]);
    // An administrator's stray grant to a managed principal on a managed topic is taken back.
    const stray = {
      principal: 'billing',
      operation: 'WRITE',
      resource: 'topic',
      name: topic('crm.customer-registered.v1'),
      pattern: 'literal',
    } as const;
    await applyAcls(admin, [...acls(), stray], { names });
    await waitFor(async () => (await send(principal('billing'), stray.name), true), {
      description: 'the stray grant to reach the broker',
    });
    const changes = await applyAcls(admin, acls(), { names });
    expect(changes?.filter((c) => c.action !== 'unchanged')).toEqual([{ action: 'deleted', acl: stray }]);
    await waitFor(
      async () =>
        await send(principal('billing'), stray.name).then(
          () => undefined,
          (error: Error) => error.message,
        ),
      { description: 'the broker to refuse billing again' },
    );
  });
});
