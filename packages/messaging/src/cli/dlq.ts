#!/usr/bin/env node
/**
 * `pnpm dlq list <topic> <consumer>`: the dead letters a consumer parked for a topic, with why.
 * `pnpm dlq replay <topic> <consumer>`: sends those not yet replayed back to the topic.
 * Uses KAFKA_BROKERS (default 127.0.0.1:9092) and TOPIC_PREFIX (default none).
 */
import { silenceKafkajsTimerWarning } from '../warnings.ts';
import { brokersFromEnv } from './env.ts';
import kafkajs from 'kafkajs';
import { listDeadLetters, replayDeadLetters } from '../dead-letters.ts';
import { EventPublisher } from '../publisher.ts';
import { SchemaRegistryClient } from '../registry.ts';
import { AvroSerde } from '../serde.ts';
import { TopicNames } from '../topic-names.ts';

const USAGE =
  'usage: pnpm dlq <list|replay> <topic> <consumer>   e.g. pnpm dlq list orders.order-placed.v1 conference-bridge';

async function main([command, topic, consumer]: readonly string[]): Promise<number> {
  if ((command !== 'list' && command !== 'replay') || !topic || !consumer) {
    console.error(USAGE);
    return 1;
  }
  const brokers = brokersFromEnv();
  const kafka = new kafkajs.Kafka({ clientId: 'switchboard-dlq', brokers, logLevel: kafkajs.logLevel.WARN });
  const names = new TopicNames(process.env.TOPIC_PREFIX ?? '');
  if (command === 'list') {
    const letters = await listDeadLetters(kafka, names, topic, consumer);
    for (const d of letters) {
      console.log(
        `${d.replayed ? 'replayed' : 'parked  '} ${d.partition}/${d.offset}  key=${d.key}  from ${d.originalTopic}/${d.originalPartition}/${d.originalOffset}  ` +
          `after ${d.attempts} attempt(s) at ${d.failedAt}: ${d.errorClass}: ${d.errorMessage}`,
      );
    }
    console.log(
      `${letters.length} dead letter(s) in ${names.deadLetter(topic, consumer)}, ${letters.filter((d) => !d.replayed).length} not replayed`,
    );
    return 0;
  }
  // Replaying sends raw records; the serde is only there because the publisher is built with one.
  const serde = new AvroSerde(
    new SchemaRegistryClient({ url: process.env.SCHEMA_REGISTRY_URL ?? '' }),
    names,
  );
  const publisher = new EventPublisher(kafka, serde, undefined, names);
  await publisher.start([]);
  try {
    const replayed = await replayDeadLetters(kafka, publisher, names, topic, consumer);
    console.log(`replayed ${replayed.length} dead letter(s) to ${names.physical(topic)}`);
    return 0;
  } finally {
    await publisher.stop();
  }
}

silenceKafkajsTimerWarning();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`dlq: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
