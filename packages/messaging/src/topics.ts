import { type AnyTopicSpec, type Retention, TOPICS } from '@switchboard/contracts';
import kafkajs, { type Admin } from 'kafkajs';
import { TopicNames } from './topic-names.ts';

// kafkajs is CommonJS and Node's ESM loader cannot see this export by name.
const { ConfigResourceTypes } = kafkajs;

/** One topic as it should exist on the broker. */
export interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
  /** Topic-level configs this project sets; other configs are left at the broker's defaults. */
  readonly configs: Readonly<Record<string, string>>;
}

export type TopicChange =
  | { readonly name: string; readonly action: 'created' }
  | { readonly name: string; readonly action: 'unchanged' }
  | { readonly name: string; readonly action: 'updated'; readonly changes: readonly string[] };

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long a retry topic keeps a record: far beyond its retry delay. */
export const RETRY_RETENTION_DAYS = 7;
/**
 * How long a dead-letter topic keeps a parked record for an operator to list and replay
 * (`./switchboard dlq`): a quarter, so the topic cannot grow without bound.
 */
export const DEAD_LETTER_RETENTION_DAYS = 90;

function retentionConfigs(retention: Retention): Record<string, string> {
  if (retention.kind === 'compact') return { 'cleanup.policy': 'compact' };
  return {
    'cleanup.policy': 'delete',
    'retention.ms': retention.days === 'forever' ? '-1' : String(retention.days * DAY_MS),
  };
}

/**
 * Every topic the catalog implies: each event topic, and for each of its consumers (plus any
 * extra ones) a retry topic (same partitions, so a key stays on one partition, kept 7 days) and a
 * dead-letter topic (kept 90 days); all under the given naming (prefix).
 */
export function plannedTopics(
  catalog: Readonly<Record<string, AnyTopicSpec>> = TOPICS,
  names: TopicNames = new TopicNames(),
  extraConsumers: readonly string[] = [],
): TopicPlan[] {
  return Object.entries(catalog).flatMap(([name, spec]) => [
    { name: names.physical(name), partitions: spec.partitions, configs: retentionConfigs(spec.retention) },
    ...[...spec.consumers, ...extraConsumers].flatMap((consumer) => [
      {
        name: names.retry(name, consumer),
        partitions: spec.partitions,
        configs: retentionConfigs({ kind: 'delete', days: RETRY_RETENTION_DAYS }),
      },
      {
        name: names.deadLetter(name, consumer),
        partitions: 1,
        configs: retentionConfigs({ kind: 'delete', days: DEAD_LETTER_RETENTION_DAYS }),
      },
    ]),
  ]);
}

/**
 * Creates the planned topics that are missing and brings existing ones in line (more partitions,
 * changed configs), idempotently: a second run changes nothing. Partitions are never reduced
 * (Kafka cannot), and the replication factor is `min(3, brokers)` unless given.
 */
export async function applyTopics(
  admin: Admin,
  plans: readonly TopicPlan[],
  options: { replicationFactor?: number } = {},
): Promise<TopicChange[]> {
  const existing = new Set(await admin.listTopics());
  const brokers = (await admin.describeCluster()).brokers.length;
  const replicationFactor = options.replicationFactor ?? Math.min(3, brokers);

  const missing = plans.filter((p) => !existing.has(p.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((p) => ({
        topic: p.name,
        numPartitions: p.partitions,
        replicationFactor,
        configEntries: Object.entries(p.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  }

  const present = plans.filter((p) => existing.has(p.name));
  if (present.length === 0) return plans.map((p) => ({ name: p.name, action: 'created' }));

  const metadata = await admin.fetchTopicMetadata({ topics: present.map((p) => p.name) });
  const partitionCounts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: present.map((p) => ({ type: ConfigResourceTypes.TOPIC, name: p.name })),
  });
  const configsOf = new Map(
    described.resources.map((r) => [
      r.resourceName,
      new Map(r.configEntries.map((e) => [e.configName, e.configValue])),
    ]),
  );

  const changes = new Map<string, string[]>();
  const grow: { topic: string; count: number }[] = [];
  const alter: { name: string; entries: { name: string; value: string }[] }[] = [];
  for (const plan of present) {
    const notes: string[] = [];
    const partitions = partitionCounts.get(plan.name) ?? 0;
    if (partitions < plan.partitions) {
      grow.push({ topic: plan.name, count: plan.partitions });
      notes.push(`partitions ${partitions} → ${plan.partitions}`);
    }
    const current = configsOf.get(plan.name) ?? new Map<string, string>();
    const differing = Object.entries(plan.configs).filter(([name, value]) => current.get(name) !== value);
    if (differing.length > 0) {
      // An incremental alter is not in kafkajs; alterConfigs replaces the topic's overrides, so it
      // is given every config the plan sets.
      alter.push({
        name: plan.name,
        entries: Object.entries(plan.configs).map(([name, value]) => ({ name, value })),
      });
      for (const [name, value] of differing)
        notes.push(`${name} ${current.get(name) ?? '(default)'} → ${value}`);
    }
    changes.set(plan.name, notes);
  }
  if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
  if (alter.length > 0) {
    await admin.alterConfigs({
      validateOnly: false,
      resources: alter.map((a) => ({
        type: ConfigResourceTypes.TOPIC,
        name: a.name,
        configEntries: a.entries,
      })),
    });
  }

  return plans.map((plan): TopicChange => {
    if (!existing.has(plan.name)) return { name: plan.name, action: 'created' };
    const notes = changes.get(plan.name) ?? [];
    return notes.length === 0
      ? { name: plan.name, action: 'unchanged' }
      : { name: plan.name, action: 'updated', changes: notes };
  });
}
