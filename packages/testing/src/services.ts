import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type HttpSecurityConfig,
  httpSecurityConfigOf,
  httpSecurityEnv,
  parseEnv,
  registryCredentialsFromEnv,
  type ServiceConfig,
} from '@switchboard/config';
import {
  type EventMeta,
  type EventOf,
  scopesOf,
  subjectOf,
  type ServiceName,
  type TopicName,
  TOPICS,
} from '@switchboard/contracts';
import {
  applyAcls,
  applyTopics,
  createMessaging,
  type Messaging,
  plannedAcls,
  plannedTopics,
  removeAcls,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import { type RunningService, type ServiceDefinition, startService } from '@switchboard/service';
import kafkajs, { type KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { z } from 'zod';
import { stackEndpoints } from './provided.ts';
import { accessToken } from './tokens.ts';
import { testKafkaSecurity } from './kafka.ts';
import { waitFor } from './wait-for.ts';

// kafkajs is CommonJS and Node's ESM loader cannot see this export by name.
const { ConfigResourceTypes } = kafkajs;

/**
 * A test's own set of topics on the shared stack: every topic and subject name gets a unique
 * prefix. Creates every topic of the catalog (with retry and dead-letter topics for its
 * consumers); `cleanup` deletes them and their subjects.
 */
export interface TestTopics {
  readonly prefix: string;
  /** A bus client on the prefixed topics, for publishing test events and reading results. */
  readonly messaging: Messaging;
  /** Publishes an event as another service would (straight to Kafka, no outbox). */
  publish<T extends TopicName>(topic: T, event: EventOf<T>): Promise<void>;
  /** Every event on `topic` so far (from the beginning), decoded; waits until `until` holds. */
  read<T extends TopicName>(
    topic: T,
    until: (events: readonly EventOf<T>[]) => boolean,
    timeoutMs?: number,
  ): Promise<EventOf<T>[]>;
  /** The same, with each record's value size in bytes (its wire format, header included). */
  records<T extends TopicName>(
    topic: T,
    until: (records: readonly { readonly event: EventOf<T>; readonly bytes: number }[]) => boolean,
    timeoutMs?: number,
  ): Promise<{ event: EventOf<T>; bytes: number }[]>;
  /** Sets topic-level configs of one of these topics (e.g. `max.message.bytes`), as an operator would. */
  configure(topic: TopicName, configs: Readonly<Record<string, string>>): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * Sets topic-level configs of a physical topic and waits until the broker reports them (it applies
 * a change a moment after accepting it). kafkajs's alterConfigs replaces the topic's whole set, so
 * configs not given return to the broker's defaults.
 */
export async function configureTopic(
  kafka: Messaging['kafka'],
  topic: string,
  configs: Readonly<Record<string, string>>,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    await waitFor(
      async () => {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: Object.keys(configs) }],
        });
        const applied = new Map(resources[0]?.configEntries.map((e) => [e.configName, e.configValue]));
        return Object.entries(configs).every(([name, value]) => applied.get(name) === value)
          ? true
          : undefined;
      },
      { description: `the broker to apply ${Object.keys(configs).join(', ')} to ${topic}` },
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * `acls`: also grant each principal of the catalog what it may do on these topics (as `topics
 * apply` does for an environment), so services running as their own principals work on them,
 * and take the grants back at cleanup.
 */
export async function createTestTopics(options: { acls?: boolean } = {}): Promise<TestTopics> {
  silenceKafkajsTimerWarning();
  const { kafkaBrokers, schemaRegistryUrl } = stackEndpoints();
  const prefix = `t${randomUUID().slice(0, 8)}.`;
  const messaging = createMessaging({
    service: 'test-client',
    brokers: kafkaBrokers,
    registryUrl: schemaRegistryUrl,
    topicPrefix: prefix,
  });
  const admin = messaging.kafka.admin();
  await admin.connect();
  const plans = plannedTopics(TOPICS, messaging.names);
  await applyTopics(admin, plans);
  const acls = options.acls ? plannedAcls(TOPICS, messaging.names) : [];
  if (acls.length > 0) await applyAcls(admin, acls, { names: messaging.names });
  // As the contracts tool does for an environment: services only look their schemas up.
  await messaging.serde.register(Object.keys(TOPICS) as TopicName[]);
  let publisherStarted: Promise<void> | undefined;
  const records: TestTopics['records'] = async (topic, until, timeoutMs = 30_000) => {
    const consumer = messaging.kafka.consumer({ groupId: `reader-${randomUUID()}` });
    const found: { event: EventOf<typeof topic>; bytes: number }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: messaging.names.physical(topic), fromBeginning: true });
    try {
      return await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(`${found.length} events on ${topic} after ${timeoutMs} ms, not the ones expected`),
          );
        }, timeoutMs);
        void consumer.run({
          eachMessage: async ({ message }: { message: KafkaMessage }) => {
            if (!message.value) return;
            const event = await messaging.serde.decode(topic, message.value);
            found.push({ event, bytes: message.value.length });
            if (until(found)) {
              clearTimeout(timer);
              resolve([...found]);
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
  };

  return {
    prefix,
    messaging,
    async publish(topic, event) {
      publisherStarted ??= messaging.publisher.start(Object.keys(TOPICS) as TopicName[]);
      await publisherStarted;
      const key = (event as unknown as Record<string, unknown>)[TOPICS[topic].key];
      await messaging.publisher.publish(topic, String(key), event);
    },
    async read(topic, until, timeoutMs = 30_000) {
      const found = await records(topic, (rs) => until(rs.map((r) => r.event)), timeoutMs);
      return found.map((r) => r.event);
    },
    records,
    configure: (topic, configs) => configureTopic(messaging.kafka, messaging.names.physical(topic), configs),
    async cleanup() {
      if (publisherStarted) await messaging.publisher.stop();
      await removeAcls(admin, acls).catch(() => undefined);
      await admin.deleteTopics({ topics: plans.map((p) => p.name) }).catch(() => undefined);
      await admin.disconnect();
      for (const topic of Object.keys(TOPICS))
        await messaging.registry
          .deleteSubject(subjectOf(messaging.names.physical(topic)), { permanent: true })
          .catch(() => undefined);
    },
  };
}

export interface TestServiceOptions {
  readonly topics: TestTopics;
  /** A PostgreSQL URL; PGlite in a temporary folder when absent. */
  readonly databaseUrl?: string;
  /** Overrides of the service's configuration (its own settings). */
  readonly config?: Record<string, unknown>;
  /** Overrides of its API security (rate limits, key-fetch cooldown, …); the stack's provider by default. */
  readonly security?: Partial<HttpSecurityConfig>;
  /** Pause between two rounds of its retention rules (default an hour). */
  readonly pruneEveryMs?: number;
}

/** A request of a test: JSON body when given; a bearer token with every scope of the service unless `token` says otherwise. */
export interface TestRequestInit {
  readonly method?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** The bearer token to send, or null to send none. */
  readonly token?: string | null;
}

/** A service started in this process on a free port, on the test's topics and its own database. */
export interface TestService {
  readonly url: string;
  readonly running: RunningService;
  /** What it logged so far (pino's JSON lines, parsed); printed too when TEST_LOG_LEVEL is set. */
  readonly logs: readonly Record<string, unknown>[];
  /** `fetch` relative to the service's URL, with a JSON body when given, as a caller with every scope of it. */
  request(path: string, init?: TestRequestInit): Promise<Response>;
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
}

export async function startTestService(
  definition: ServiceDefinition,
  options: TestServiceOptions,
): Promise<TestService> {
  const { kafkaBrokers, schemaRegistryUrl, oidcIssuerUrl } = stackEndpoints();
  const dataDir = await mkdtemp(join(tmpdir(), `${definition.name}-`));
  const security: HttpSecurityConfig = {
    ...httpSecurityConfigOf(
      parseEnv(z.object(httpSecurityEnv(definition.name)), { OIDC_ISSUER_URL: oidcIssuerUrl }),
    ),
    ...options.security,
  };
  const config: ServiceConfig = {
    service: definition.name,
    host: '127.0.0.1',
    port: 0,
    kafkaBrokers,
    kafkaSecurity: testKafkaSecurity(),
    schemaRegistryUrl,
    schemaRegistryCredentials: registryCredentialsFromEnv('switchboard-tests'),
    otlpEndpoint: undefined,
    databaseUrl: options.databaseUrl,
    dataDir,
    topicPrefix: options.topics.prefix,
    publicUrl: undefined,
    outboxStallMs: 60_000,
    idempotencyKeyRetentionDays: 7,
    security,
    ...options.config,
  };
  const logs: Record<string, unknown>[] = [];
  const shown = process.env.TEST_LOG_LEVEL;
  const destination = {
    write(line: string): void {
      logs.push(JSON.parse(line) as Record<string, unknown>);
      if (shown) process.stdout.write(line);
    },
  };
  const running = await startService(definition, config, {
    logger: pino({ level: shown ?? 'info' }, destination),
    nestLogs: false,
    retry: { attempts: 2, initialDelayMs: 50, retryTopicDelayMs: 500 },
    pruneEveryMs: options.pruneEveryMs,
  });
  return {
    url: running.url,
    running,
    logs,
    request: async (path, init = {}) => {
      const token = init.token === undefined ? await accessToken(scopesOf(definition.name)) : init.token;
      return fetch(`${running.url}${path}`, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers: {
          ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token === null ? {} : { Authorization: `Bearer ${token}` }),
          ...init.headers,
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
    },
    async stop() {
      await running.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `meta` of an event a test publishes as `producer` would. */
export function testMeta(producer: ServiceName, correlationId: string = randomUUID()): EventMeta {
  return {
    eventId: randomUUID(),
    occurredAt: Date.now(),
    producer,
    correlationId,
    causationId: null,
    actor: null,
  };
}
