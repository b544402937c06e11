import { describe, expect, it } from 'vitest';
import { TopicNames } from './topic-names.ts';
import { plannedTopics } from './topics.ts';

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
