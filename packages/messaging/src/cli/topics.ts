#!/usr/bin/env node
/**
 * `pnpm topics plan | apply`: shows what bringing the Kafka of KAFKA_BROKERS in line with the
 * catalog takes — every topic (with each consumer's retry and dead-letter topics) and the ACLs it
 * implies — and, for apply, does it, idempotently, changing only the configs it manages.
 * It connects as the principal `switchboard-admin` unless KAFKA_SASL_USERNAME names another.
 */
import { kafkaSecurityFromEnv } from '@switchboard/config';
import kafkajs from 'kafkajs';
import { type AclChange, applyAcls, describeAcl, plannedAcls } from '../acls.ts';
import { kafkaClientConfig } from '../messaging.ts';
import { TopicNames } from '../topic-names.ts';
import { silenceKafkajsTimerWarning } from '../warnings.ts';
import { brokersFromEnv } from './env.ts';
import { incrementalConfigs } from '../topic-configs.ts';
import { applyTopicsPlan, plannedTopics, planTopics, type TopicChange, type TopicsPlan } from '../topics.ts';

const USAGE = 'usage: pnpm topics <plan|apply> [--replication-factor N]';

/** One line per change the plan holds; unchanged topics are counted, not listed. */
function printPlan(plan: TopicsPlan, brokers: readonly string[]): void {
  for (const warning of plan.warnings) console.log(`warning: ${warning}`);
  for (const change of plan.changes) {
    if (change.action === 'create') {
      const configs = Object.entries(change.configs).map(([k, v]) => `${k}=${v}`);
      console.log(
        `create  ${change.name}  partitions=${change.partitions} replicas=${change.replicationFactor} ${configs.join(' ')}`,
      );
    } else if (change.action === 'update') {
      const notes = [
        ...(change.partitions ? [`partitions ${change.partitions.from} → ${change.partitions.to}`] : []),
        ...change.configs.map((c) => `${c.name} ${c.from ?? '(default)'} → ${c.to}`),
      ];
      console.log(`update  ${change.name}: ${notes.join(', ')}`);
    }
  }
  const count = (action: TopicChange['action']): number =>
    plan.changes.filter((c) => c.action === action).length;
  console.log(
    `${plan.changes.length} topics on ${brokers.join(',')} (${plan.brokers} broker${plan.brokers === 1 ? '' : 's'}): ${count('create')} to create, ${count('update')} to update, ${count('unchanged')} unchanged`,
  );
}

function printAcls(changes: readonly AclChange[] | undefined, planned: number, done: boolean): void {
  if (!changes) {
    console.log('ACLs: none, the cluster has no authorizer (every client may do anything)');
    return;
  }
  let unchanged = 0;
  for (const change of changes) {
    if (change.action === 'unchanged') unchanged = change.count;
    else
      console.log(`${change.action === 'created' ? 'grant ' : 'revoke'}  allow ${describeAcl(change.acl)}`);
  }
  const acted = (action: 'created' | 'deleted'): number => changes.filter((c) => c.action === action).length;
  const [granted, revoked] = done ? ['granted', 'revoked'] : ['to grant', 'to revoke'];
  console.log(
    `${planned} ACLs: ${acted('created')} ${granted}, ${acted('deleted')} ${revoked}, ${unchanged} unchanged`,
  );
}

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  if (command !== 'plan' && command !== 'apply') {
    console.error(USAGE);
    return 1;
  }
  const names = new TopicNames(process.env.TOPIC_PREFIX ?? '');
  const plans = plannedTopics(undefined, names);
  const acls = plannedAcls(undefined, names);
  const flag = argv.indexOf('--replication-factor');
  const replicationFactor = flag >= 0 ? Number(argv[flag + 1]) : undefined;
  if (replicationFactor !== undefined && !(Number.isInteger(replicationFactor) && replicationFactor >= 1)) {
    console.error(`--replication-factor must be a whole number of at least 1\n${USAGE}`);
    return 1;
  }
  const brokers = brokersFromEnv();
  const security = kafkaSecurityFromEnv('switchboard-admin');
  const admin = new kafkajs.Kafka(kafkaClientConfig('switchboard-topics', brokers, security)).admin();
  const configs = incrementalConfigs('switchboard-topics', brokers, security);
  await admin.connect();
  try {
    // The plan first, always: what apply is about to change, against the cluster as it is.
    const plan = await planTopics(admin, plans, { replicationFactor });
    printPlan(plan, brokers);
    const aclPlan = await applyAcls(admin, acls, { names, dryRun: true });
    if (command === 'plan') {
      printAcls(aclPlan, acls.length, false);
      return 0;
    }
    await applyTopicsPlan(admin, plan, configs.alter);
    const pending = plan.changes.filter((c) => c.action !== 'unchanged').length;
    console.log(`topics: ${pending === 0 ? 'nothing to change' : `${pending} changed`}`);
    printAcls(await applyAcls(admin, acls, { names }), acls.length, true);
    return 0;
  } finally {
    await admin.disconnect();
    await configs.close();
  }
}

silenceKafkajsTimerWarning();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`topics: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
