#!/usr/bin/env node
/**
 * `pnpm topics apply | plan`: creates or updates every topic of the catalog (with each consumer's
 * retry and dead-letter topics) and the ACLs it implies on the Kafka of KAFKA_BROKERS, idempotently.
 * It connects as the principal `switchboard-admin` unless KAFKA_SASL_USERNAME names another.
 */
import { kafkaSecurityFromEnv } from '@switchboard/config';
import kafkajs from 'kafkajs';
import { applyAcls, describeAcl, plannedAcls } from '../acls.ts';
import { kafkaClientConfig } from '../messaging.ts';
import { TopicNames } from '../topic-names.ts';
import { silenceKafkajsTimerWarning } from '../warnings.ts';
import { brokersFromEnv } from './env.ts';
import { applyTopics, plannedTopics } from '../topics.ts';

const USAGE = 'usage: pnpm topics <apply|plan> [--replication-factor N]';

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  const names = new TopicNames(process.env.TOPIC_PREFIX ?? '');
  const plans = plannedTopics(undefined, names);
  const acls = plannedAcls(undefined, names);
  if (command === 'plan') {
    for (const p of plans) {
      const configs = Object.entries(p.configs).map(([k, v]) => `${k}=${v}`);
      console.log(`topic ${p.name}  partitions=${p.partitions}  ${configs.join(' ')}`);
    }
    for (const acl of acls) console.log(`allow ${describeAcl(acl)}`);
    console.log(`${plans.length} topics, ${acls.length} ACLs`);
    return 0;
  }
  if (command !== 'apply') {
    console.error(USAGE);
    return 1;
  }
  const flag = argv.indexOf('--replication-factor');
  const replicationFactor = flag >= 0 ? Number(argv[flag + 1]) : undefined;
  const brokers = brokersFromEnv();
  const admin = new kafkajs.Kafka(
    kafkaClientConfig('switchboard-topics', brokers, kafkaSecurityFromEnv('switchboard-admin')),
  ).admin();
  await admin.connect();
  try {
    const changes = await applyTopics(admin, plans, { replicationFactor });
    for (const change of changes) {
      const detail = change.action === 'updated' ? `: ${change.changes.join(', ')}` : '';
      console.log(`${change.action.padEnd(9)} ${change.name}${detail}`);
    }
    const count = (action: string): number => changes.filter((c) => c.action === action).length;
    console.log(
      `${changes.length} topics on ${brokers.join(',')}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged`,
    );
    const aclChanges = await applyAcls(admin, acls, { names });
    if (!aclChanges) {
      console.log('ACLs: none applied, the cluster has no authorizer (every client may do anything)');
      return 0;
    }
    let unchanged = 0;
    for (const change of aclChanges) {
      if (change.action === 'unchanged') unchanged = change.count;
      else console.log(`${change.action.padEnd(9)} allow ${describeAcl(change.acl)}`);
    }
    const acted = (action: 'created' | 'deleted'): number =>
      aclChanges.filter((c) => c.action === action).length;
    console.log(
      `${acls.length} ACLs: ${acted('created')} created, ${acted('deleted')} deleted, ${unchanged} unchanged`,
    );
    return 0;
  } finally {
    await admin.disconnect();
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
