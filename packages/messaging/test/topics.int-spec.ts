import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints, testKafkaSecurity, waitFor } from '@switchboard/testing';
import { kafkaClientConfig } from '../src/messaging.ts';
import { incrementalConfigs } from '../src/topic-configs.ts';
import { applyTopics, plannedTopics, planTopics, type TopicPlan } from '../src/topics.ts';

describe('planTopics and applyTopics', () => {
  const { kafkaBrokers } = stackEndpoints();
  const admin = new Kafka(kafkaClientConfig('topics-test', kafkaBrokers, testKafkaSecurity())).admin();
  const configs = incrementalConfigs('topics-test', kafkaBrokers, testKafkaSecurity());
  const name = `test.topics-${randomUUID()}.v1`;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.disconnect();
    await configs.close();
  });

  async function configsOf(topic: string, names: string[]): Promise<Record<string, string>> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: names }],
    });
    return Object.fromEntries((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
  }

  it('plans first, creates a topic, changes nothing twice, and changes only the configs it manages', async () => {
    const plan: TopicPlan = {
      name,
      partitions: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' },
    };
    // The local stack has one broker: one replica, min.insync.replicas 1, and a warning saying so.
    const planned = await planTopics(admin, [plan]);
    expect(planned).toMatchObject({ brokers: 1, replicationFactor: 1, minInsyncReplicas: 1 });
    expect(planned.warnings).toEqual([
      expect.stringContaining('one broker: topics get replication factor 1 and min.insync.replicas 1'),
    ]);
    expect(planned.changes).toEqual([
      {
        name,
        action: 'create',
        partitions: 1,
        replicationFactor: 1,
        configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000', 'min.insync.replicas': '1' },
      },
    ]);
    expect(await admin.listTopics()).not.toContain(name);

    await applyTopics(admin, [plan], { alterConfigs: configs.alter });
    expect((await applyTopics(admin, [plan], { alterConfigs: configs.alter })).changes).toEqual([
      { name, action: 'unchanged' },
    ]);

    // An operator sets a config of their own; a changed plan keeps it.
    await configs.alter([{ topic: name, set: { 'max.message.bytes': '2097152' } }]);
    const changed = { ...plan, partitions: 2, configs: { ...plan.configs, 'retention.ms': '7200000' } };
    expect((await applyTopics(admin, [changed], { alterConfigs: configs.alter })).changes).toEqual([
      {
        name,
        action: 'update',
        partitions: { from: 1, to: 2 },
        configs: [{ name: 'retention.ms', from: '3600000', to: '7200000' }],
      },
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    // A config change reaches the broker's view a moment after the controller took it.
    const wanted = { 'retention.ms': '7200000', 'max.message.bytes': '2097152', 'min.insync.replicas': '1' };
    const seen = await waitFor(
      async () => {
        const now = await configsOf(name, Object.keys(wanted));
        return now['retention.ms'] === wanted['retention.ms'] ? now : undefined;
      },
      { description: 'the new retention.ms to show' },
    );
    expect(seen).toEqual(wanted);
    expect((await planTopics(admin, [changed])).changes).toEqual([{ name, action: 'unchanged' }]);
  });

  it('creates the whole catalog, with retry and dead-letter topics, idempotently', async () => {
    const plans = plannedTopics();
    await applyTopics(admin, plans, { alterConfigs: configs.alter });
    const second = await planTopics(admin, plans);
    expect(second.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const topics = await admin.listTopics();
    expect(topics).toEqual(
      expect.arrayContaining([
        'orders.order-placed.v1',
        'orders.order-placed.v1.conference-bridge.retry',
        'orders.order-placed.v1.conference-bridge.dlq',
      ]),
    );
    // Parked records stay 90 days for an operator to list and replay, not for ever.
    expect(await configsOf('orders.order-placed.v1.conference-bridge.dlq', ['retention.ms'])).toEqual({
      'retention.ms': String(90 * 86_400_000),
    });
  });
});
