import { describe, expect, it } from 'vitest';
import { TopicNames } from './topic-names.ts';
import { durability, plannedTopics } from './topics.ts';

const DAY_MS = 86_400_000;

describe('the topics the catalog implies', () => {
  const plan = new Map(plannedTopics(undefined, new TopicNames('staging.')).map((t) => [t.name, t]));

  it('keeps every retry and dead-letter topic for a bounded time: 7 and 90 days', () => {
    const own = [...plan.values()].filter((t) => /\.(retry|dlq)$/.test(t.name));
    expect(own.length).toBeGreaterThan(0);
    for (const topic of own)
      expect(topic.configs, topic.name).toEqual({
        'cleanup.policy': 'delete',
        'retention.ms': String((topic.name.endsWith('.dlq') ? 90 : 7) * DAY_MS),
      });
  });

  it('gives each consumer of a topic its own retry topic with the same partitions and a one-partition dead-letter topic', () => {
    expect(plan.get('staging.conference.call-completed.v1')?.configs['retention.ms']).toBe(
      String(90 * DAY_MS),
    );
    expect(plan.get('staging.conference.call-completed.v1.billing.retry')?.partitions).toBe(3);
    expect(plan.get('staging.conference.call-completed.v1.billing.dlq')?.partitions).toBe(1);
  });
});

describe('the durability a cluster allows', () => {
  it('puts each record on 3 brokers and acknowledges a write once 2 have it, where there are 3', () => {
    expect(durability(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(durability(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('takes what a smaller cluster has, with min.insync.replicas 1, and warns', () => {
    expect(durability(1)).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(durability(1).warning).toMatch(
      /^one broker: topics get replication factor 1 and min.insync.replicas 1/,
    );
    expect(durability(2)).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(durability(2).warning).toMatch(/^2 brokers: /);
    expect(durability(3, 2).warning).toMatch(/replication factor 2/);
  });
});
