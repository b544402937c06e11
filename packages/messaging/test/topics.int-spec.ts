import { randomUUID } from 'node:crypto';
import { ConfigResourceTypes, Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEndpoints, testKafkaSecurity } from '@switchboard/testing';
import { kafkaClientConfig } from '../src/messaging.ts';
import { applyTopics, plannedTopics, type TopicPlan } from '../src/topics.ts';

describe('applyTopics', () => {
  const { kafkaBrokers } = stackEndpoints();
  const admin = new Kafka(kafkaClientConfig('topics-test', kafkaBrokers, testKafkaSecurity())).admin();
  const name = `test.topics-${randomUUID()}.v1`;

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: [name] }).catch(() => undefined);
    await admin.disconnect();
  });

  async function retentionOf(topic: string): Promise<string | undefined> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    return resources[0]?.configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
  }

  it('creates a topic, then changes nothing, then brings it in line with a changed plan', async () => {
    const plan: TopicPlan = {
      name,
      partitions: 1,
      configs: { 'cleanup.policy': 'delete', 'retention.ms': '3600000' },
    };
    expect(await applyTopics(admin, [plan])).toEqual([{ name, action: 'created' }]);
    expect(await applyTopics(admin, [plan])).toEqual([{ name, action: 'unchanged' }]);

    const changed = { ...plan, partitions: 2, configs: { ...plan.configs, 'retention.ms': '7200000' } };
    expect(await applyTopics(admin, [changed])).toEqual([
      { name, action: 'updated', changes: ['partitions 1 → 2', 'retention.ms 3600000 → 7200000'] },
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    expect(metadata.topics[0]?.partitions).toHaveLength(2);
    expect(await retentionOf(name)).toBe('7200000');
    expect(await applyTopics(admin, [changed])).toEqual([{ name, action: 'unchanged' }]);
  });

  it('creates the whole catalog, with retry and dead-letter topics, idempotently', async () => {
    const plans = plannedTopics();
    await applyTopics(admin, plans);
    const second = await applyTopics(admin, plans);
    expect(second.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const topics = await admin.listTopics();
    expect(topics).toEqual(
      expect.arrayContaining([
        'orders.order-placed.v1',
        'orders.order-placed.v1.conference-bridge.retry',
        'orders.order-placed.v1.conference-bridge.dlq',
      ]),
    );
    // Parked records stay 90 days for an operator to list and replay, not for ever.
    expect(await retentionOf('orders.order-placed.v1.conference-bridge.dlq')).toBe(String(90 * 86_400_000));
  });
});
