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

/** What bringing one topic in line with its plan takes. */
export type TopicChange =
  | {
      readonly name: string;
      readonly action: 'create';
      readonly partitions: number;
      readonly replicationFactor: number;
      readonly configs: Readonly<Record<string, string>>;
    }
  | {
      readonly name: string;
      readonly action: 'update';
      /** More partitions (never fewer: Kafka cannot). */
      readonly partitions?: { readonly from: number; readonly to: number };
      /** The managed configs that differ; the topic's other configs are left as they are. */
      readonly configs: readonly {
        readonly name: string;
        readonly from: string | undefined;
        readonly to: string;
      }[];
    }
  | { readonly name: string; readonly action: 'unchanged' };

/** The changes the catalog's topics need on a cluster, and what the cluster's size allows. */
export interface TopicsPlan {
  readonly brokers: number;
  /** Of the topics created. */
  readonly replicationFactor: number;
  /** Of topics with 3 replicas or more; 1 on smaller ones (a write must not wait for a replica they lack). */
  readonly minInsyncReplicas: number;
  /** What an operator should know: fewer than 3 brokers, topics with fewer replicas than the target. */
  readonly warnings: readonly string[];
  readonly changes: readonly TopicChange[];
}

/** Sets some configs of a topic and leaves the others (Kafka's IncrementalAlterConfigs). */
export interface ConfigAlteration {
  readonly topic: string;
  readonly set: Readonly<Record<string, string>>;
}
export type AlterTopicConfigs = (alterations: readonly ConfigAlteration[]) => Promise<void>;

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
 * The durability a cluster of `brokers` allows: each record on 3 brokers, and a write acknowledged
 * once 2 have it (`min.insync.replicas` 2), so one broker may fail without losing or refusing
 * anything; on a smaller cluster as many replicas as there are brokers, and `min.insync.replicas` 1.
 */
export function durability(
  brokers: number,
  replicationFactor: number = Math.min(3, brokers),
): { readonly replicationFactor: number; readonly minInsyncReplicas: number; readonly warning?: string } {
  const minInsyncReplicas = minInsyncFor(replicationFactor);
  if (replicationFactor >= 3) return { replicationFactor, minInsyncReplicas };
  return {
    replicationFactor,
    minInsyncReplicas,
    warning: `${brokers === 1 ? 'one broker' : `${brokers} brokers`}: topics get replication factor ${replicationFactor} and min.insync.replicas ${minInsyncReplicas}, so a broker lost loses the records only it holds; in production run 3 brokers or more (replication factor 3, min.insync.replicas 2)`,
  };
}

const minInsyncFor = (replicas: number): number => (replicas >= 3 ? 2 : 1);

/**
 * What bringing the cluster in line with the planned topics takes, without changing anything:
 * topics to create (with the cluster's replication factor), partitions to add, managed configs
 * that differ — `cleanup.policy`, `retention.ms` and `min.insync.replicas` (2 on topics with 3
 * replicas or more, else 1); any other config of a topic is not the plan's and is left alone.
 */
export async function planTopics(
  admin: Admin,
  plans: readonly TopicPlan[],
  options: { readonly replicationFactor?: number } = {},
): Promise<TopicsPlan> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const target = durability(brokers, options.replicationFactor);
  const warnings = target.warning ? [target.warning] : [];
  const existing = new Set(await admin.listTopics());
  const present = plans.filter((p) => existing.has(p.name));
  const metadata =
    present.length === 0
      ? []
      : (await admin.fetchTopicMetadata({ topics: present.map((p) => p.name) })).topics;
  const layout = new Map(
    metadata.map((t) => [
      t.name,
      { partitions: t.partitions.length, replicas: Math.min(...t.partitions.map((p) => p.replicas.length)) },
    ]),
  );
  const described =
    present.length === 0
      ? []
      : (
          await admin.describeConfigs({
            includeSynonyms: false,
            resources: present.map((p) => ({ type: ConfigResourceTypes.TOPIC, name: p.name })),
          })
        ).resources;
  const configsOf = new Map(
    described.map((r) => [
      r.resourceName,
      new Map(r.configEntries.map((e) => [e.configName, e.configValue])),
    ]),
  );

  const short: string[] = [];
  const changes = plans.map((plan): TopicChange => {
    if (!existing.has(plan.name))
      return {
        name: plan.name,
        action: 'create',
        partitions: plan.partitions,
        replicationFactor: target.replicationFactor,
        configs: { ...plan.configs, 'min.insync.replicas': String(target.minInsyncReplicas) },
      };
    const { partitions, replicas } = layout.get(plan.name) ?? { partitions: 0, replicas: 0 };
    if (replicas < target.replicationFactor) short.push(`${plan.name} (${replicas})`);
    const wanted = { ...plan.configs, 'min.insync.replicas': String(minInsyncFor(replicas)) };
    const current = configsOf.get(plan.name) ?? new Map<string, string>();
    const configs = Object.entries(wanted)
      .filter(([name, value]) => current.get(name) !== value)
      .map(([name, to]) => ({ name, from: current.get(name), to }));
    const grow = partitions < plan.partitions ? { from: partitions, to: plan.partitions } : undefined;
    if (configs.length === 0 && grow === undefined) return { name: plan.name, action: 'unchanged' };
    return { name: plan.name, action: 'update', ...(grow && { partitions: grow }), configs };
  });
  if (short.length > 0)
    warnings.push(
      `${short.length} topic(s) have fewer replicas than the cluster's ${target.replicationFactor}, which topics apply does not add (reassign their partitions with kafka-reassign-partitions): ${short.slice(0, 5).join(', ')}${short.length > 5 ? ', …' : ''}`,
    );
  return { brokers, ...target, warnings, changes };
}

/**
 * Makes a plan's changes: creates the missing topics, adds partitions, and sets the managed
 * configs that differ through `alterConfigs` — incrementally, so configs others set stay.
 */
export async function applyTopicsPlan(
  admin: Admin,
  plan: TopicsPlan,
  alterConfigs?: AlterTopicConfigs,
): Promise<void> {
  const creates = plan.changes.flatMap((c) => (c.action === 'create' ? [c] : []));
  const updates = plan.changes.flatMap((c) => (c.action === 'update' ? [c] : []));
  const alterations = updates
    .filter((u) => u.configs.length > 0)
    .map((u) => ({ topic: u.name, set: Object.fromEntries(u.configs.map((c) => [c.name, c.to])) }));
  // Refused before anything changes, so a plan is never applied in part.
  if (alterations.length > 0 && !alterConfigs)
    throw new Error(
      `${alterations.length} topic(s) need their configs changed, and no incremental config alterer was given (incrementalConfigs)`,
    );
  if (creates.length > 0)
    await admin.createTopics({
      waitForLeaders: true,
      topics: creates.map((c) => ({
        topic: c.name,
        numPartitions: c.partitions,
        replicationFactor: c.replicationFactor,
        configEntries: Object.entries(c.configs).map(([name, value]) => ({ name, value })),
      })),
    });
  const grow = updates.flatMap((u) => (u.partitions ? [{ topic: u.name, count: u.partitions.to }] : []));
  if (grow.length > 0) await admin.createPartitions({ topicPartitions: grow });
  if (alterations.length > 0) await alterConfigs?.(alterations);
}

/**
 * Plans and applies the topics, idempotently: a second run changes nothing. The plan is returned
 * as applied.
 */
export async function applyTopics(
  admin: Admin,
  plans: readonly TopicPlan[],
  options: { readonly replicationFactor?: number; readonly alterConfigs?: AlterTopicConfigs } = {},
): Promise<TopicsPlan> {
  const plan = await planTopics(admin, plans, options);
  await applyTopicsPlan(admin, plan, options.alterConfigs);
  return plan;
}
