import { readFileSync } from 'node:fs';
import { connect, isIP } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  type KafkaSecurity,
  kafkaSecurityFromEnv,
  type RegistryCredentials,
  registryCredentialsFromEnv,
} from '@switchboard/config';
import kafkajs, { type ISocketFactory, type Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { type MessagingMetrics, NO_METRICS } from './metrics.ts';
import { EventPublisher } from './publisher.ts';
import { SchemaRegistryClient } from './registry.ts';
import { AvroSerde } from './serde.ts';
import { TopicNames } from './topic-names.ts';

export interface MessagingOptions {
  /** Used as the Kafka client id. */
  readonly service: string;
  readonly brokers: readonly string[];
  /** How it authenticates to Kafka (default: from the KAFKA_SECURITY_PROTOCOL/KAFKA_SASL_* variables, principal `service`). */
  readonly security?: KafkaSecurity;
  readonly registryUrl: string;
  /** Its registry credentials (default: from SCHEMA_REGISTRY_USERNAME/PASSWORD[_FILE], user `service`). */
  readonly registryCredentials?: RegistryCredentials;
  readonly metrics?: MessagingMetrics;
  /** How long start-up keeps retrying an unreachable registry (default 60 s). */
  readonly registryTimeoutMs?: number;
  /** Prefix of every physical topic and subject (an environment's or a test run's own set). */
  readonly topicPrefix?: string;
}

/** The parts a service needs, wired together: one Kafka client, one registry cache, one serde. */
export interface Messaging {
  readonly kafka: Kafka;
  readonly registry: SchemaRegistryClient;
  readonly serde: AvroSerde;
  readonly publisher: EventPublisher;
  readonly metrics: MessagingMetrics;
  readonly names: TopicNames;
}

/**
 * kafkajs's own socket factory, plus TCP_NODELAY. kafkajs leaves Nagle's algorithm on, so a small
 * request written while an earlier one is unacknowledged (an offset commit behind a fetch, a
 * produce behind a heartbeat) waits for the broker's delayed ACK — tens of milliseconds added to
 * a hop at random.
 */
const socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
  const socket = ssl
    ? connectTls({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
    : connect({ host, port }, onConnect);
  socket.setKeepAlive(true, 60_000);
  socket.setNoDelay(true);
  return socket;
};

const SASL_MECHANISMS = {
  'SCRAM-SHA-512': 'scram-sha-512',
  'SCRAM-SHA-256': 'scram-sha-256',
  PLAIN: 'plain',
} as const;

/**
 * A kafkajs client's configuration: its id, the brokers and its security (SASL with the principal's
 * password; TLS checking the broker against the given CA file or the system's).
 */
export function kafkaClientConfig(
  clientId: string,
  brokers: readonly string[],
  security: KafkaSecurity,
): KafkaConfig {
  const sasl = security.sasl;
  return {
    clientId,
    brokers: [...brokers],
    logLevel: kafkajs.logLevel.WARN,
    socketFactory,
    ...(sasl && {
      sasl: {
        mechanism: SASL_MECHANISMS[sasl.mechanism],
        username: sasl.username,
        password: sasl.password,
      } as SASLOptions,
    }),
    ...(security.tls && {
      ssl: security.tls.caFile ? { ca: [readFileSync(security.tls.caFile, 'utf8')] } : true,
    }),
  };
}

export function createMessaging(options: MessagingOptions): Messaging {
  const security = options.security ?? kafkaSecurityFromEnv(options.service);
  const kafka = new kafkajs.Kafka(kafkaClientConfig(options.service, options.brokers, security));
  const registry = new SchemaRegistryClient({
    url: options.registryUrl,
    credentials:
      'registryCredentials' in options
        ? options.registryCredentials
        : registryCredentialsFromEnv(options.service),
    unavailableTimeoutMs: options.registryTimeoutMs,
  });
  const names = new TopicNames(options.topicPrefix);
  const serde = new AvroSerde(registry, names);
  const metrics = options.metrics ?? NO_METRICS;
  return {
    kafka,
    registry,
    serde,
    publisher: new EventPublisher(kafka, serde, metrics, names),
    metrics,
    names,
  };
}
