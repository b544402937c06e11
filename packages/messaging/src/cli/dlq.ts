#!/usr/bin/env node
/**
 * `pnpm dlq list <topic> <consumer>`: the dead letters a consumer parked for a topic, with why.
 * `pnpm dlq replay <topic> <consumer>`: sends those not yet replayed back to the topic.
 * Both use KAFKA_BROKERS (default 127.0.0.1:9092), TOPIC_PREFIX (default none) and the Kafka
 * principal `operator` (KAFKA_SASL_PASSWORD or _FILE; `./switchboard dlq` points at the local stack's).
 *
 * `pnpm dlq list outbox <service>`: the events the service's outbox relay parked because the broker
 * refused them for good. `pnpm dlq replay outbox <service> [id…]`: puts them (or those named) back
 * into its outbox. Both ask the running service's API, at `<SERVICE>_URL` (default: its port on
 * 127.0.0.1), since its database may be a PGlite folder only the service can open.
 */
import {
  ClientCredentials,
  clientCredentialsFromEnv,
  DEFAULT_PORTS,
  kafkaSecurityFromEnv,
  serviceUrlFromEnv,
  type ServiceWithPort,
} from '@switchboard/config';
import type { OutboxDeadLetter } from '../outbox-dead-letters.ts';
import { silenceKafkajsTimerWarning } from '../warnings.ts';
import { brokersFromEnv } from './env.ts';
import kafkajs from 'kafkajs';
import { OPERATOR_PRINCIPAL } from '../acls.ts';
import { listDeadLetters, replayDeadLetters } from '../dead-letters.ts';
import { kafkaClientConfig } from '../messaging.ts';
import { EventPublisher } from '../publisher.ts';
import { SchemaRegistryClient } from '../registry.ts';
import { AvroSerde } from '../serde.ts';
import { TopicNames } from '../topic-names.ts';

const USAGE = [
  'usage: pnpm dlq <list|replay> <topic> <consumer>       e.g. pnpm dlq list orders.order-placed.v1 conference-bridge',
  '       pnpm dlq list outbox <service>                 e.g. pnpm dlq list outbox billing',
  '       pnpm dlq replay outbox <service> [id…]',
].join('\n');

function isService(name: string): name is ServiceWithPort {
  return Object.hasOwn(DEFAULT_PORTS, name);
}

/**
 * The outbox API asks for a bearer token: the CLI gets one as the client the environment names
 * (`OIDC_CLIENT_ID`, default `operator`, with `OIDC_CLIENT_SECRET` or `OIDC_CLIENT_SECRET_FILE`;
 * `./switchboard dlq` points the latter at the local stack's operator secret).
 */
async function bearer(scope: 'switchboard.outbox:read' | 'switchboard.outbox:replay'): Promise<string> {
  const options = clientCredentialsFromEnv('operator');
  if (!options)
    throw new Error(
      'the outbox API needs a token: set OIDC_CLIENT_SECRET or OIDC_CLIENT_SECRET_FILE (and OIDC_CLIENT_ID, default operator)',
    );
  credentials ??= new ClientCredentials(options);
  return `Bearer ${await credentials.token([scope])}`;
}
let credentials: ClientCredentials | undefined;

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const authorization = await bearer(
    method === 'GET' ? 'switchboard.outbox:read' : 'switchboard.outbox:replay',
  );
  const response = await fetch(url, {
    method,
    headers: {
      Authorization: authorization,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  }).catch((error: unknown) => {
    throw new Error(`${method} ${url} failed (is the service running?): ${(error as Error).message}`);
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

const describeLetter = (d: OutboxDeadLetter): string =>
  `${d.replayedAt ? 'replayed' : 'parked  '} #${d.id}  ${d.topic}  key=${d.key}  event ${d.eventId}  ${d.bytes} bytes  ` +
  `enqueued ${d.enqueuedAt}, refused ${d.failedAt}: ${d.errorClass}: ${d.errorMessage}`;

/** The outbox's dead letters, through the service's API. */
async function outbox(command: 'list' | 'replay', service: string, ids: readonly string[]): Promise<number> {
  if (!isService(service)) {
    console.error(`no service ${service}; one of ${Object.keys(DEFAULT_PORTS).join(', ')}`);
    return 1;
  }
  const base = `${serviceUrlFromEnv(service)}/v1/outbox/dead-letters`;
  if (command === 'replay') {
    const { replayed } = await api<{ replayed: OutboxDeadLetter[] }>(
      'POST',
      `${base}/replay`,
      ids.length > 0 ? { ids } : {},
    );
    for (const d of replayed) console.log(describeLetter(d));
    console.log(`put ${replayed.length} dead letter(s) back into ${service}'s outbox`);
    return 0;
  }
  const letters: OutboxDeadLetter[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: OutboxDeadLetter[]; nextCursor: string | null } = await api(
      'GET',
      `${base}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    letters.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  for (const d of letters) console.log(describeLetter(d));
  console.log(
    `${letters.length} dead letter(s) in ${service}'s outbox, ${letters.filter((d) => !d.replayedAt).length} not replayed`,
  );
  return 0;
}

async function main([command, topic, consumer, ...rest]: readonly string[]): Promise<number> {
  if ((command !== 'list' && command !== 'replay') || !topic || !consumer) {
    console.error(USAGE);
    return 1;
  }
  if (topic === 'outbox') return outbox(command, consumer, rest);
  const brokers = brokersFromEnv();
  // As the operator's Kafka principal unless KAFKA_SASL_USERNAME names another.
  const kafka = new kafkajs.Kafka(
    kafkaClientConfig('switchboard-dlq', brokers, kafkaSecurityFromEnv(OPERATOR_PRINCIPAL)),
  );
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
