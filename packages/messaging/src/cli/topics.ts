#!/usr/bin/env node
/**
 * `pnpm topics apply | plan`: creates or updates every topic of the catalog (with each consumer's
 * retry and dead-letter topics) on the Kafka of KAFKA_BROKERS, idempotently.
 */
import { Kafka, logLevel } from 'kafkajs';
import { silenceKafkajsTimerWarning } from '../warnings.ts';
import { brokersFromEnv } from './env.ts';
import { applyTopics, plannedTopics } from '../topics.ts';

const USAGE = 'usage: pnpm topics <apply|plan> [--replication-factor N]';

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  const plans = plannedTopics();
  if (command === 'plan') {
    for (const p of plans) {
      const configs = Object.entries(p.configs).map(([k, v]) => `${k}=${v}`);
      console.log(`${p.name}  partitions=${p.partitions}  ${configs.join(' ')}`);
    }
    return 0;
  }
  if (command !== 'apply') {
    console.error(USAGE);
    return 1;
  }
  const flag = argv.indexOf('--replication-factor');
  const replicationFactor = flag >= 0 ? Number(argv[flag + 1]) : undefined;
  const brokers = brokersFromEnv();
  const admin = new Kafka({ clientId: 'switchboard-topics', brokers, logLevel: logLevel.WARN }).admin();
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
