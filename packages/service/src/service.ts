import { type DynamicModule, Global, Module, type Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ServiceConfig } from '@switchboard/config';
import { type ServiceName, type TopicName, TOPICS } from '@switchboard/contracts';
import {
  migrate,
  openDatabase,
  type OpenDatabase,
  refuseSuperuser,
  type RetentionRule,
  RetentionPruner,
  tableSizes,
} from '@switchboard/database';
import {
  createServiceApp,
  HttpSecurityModule,
  IDEMPOTENT_COMMANDS_SQL,
  idempotencyKeyRetention,
  type SecurityOptions,
  securityOptionsOf,
} from '@switchboard/http';
import {
  type EventHandlerClass,
  HEADERS,
  inboxRetention,
  MESSAGING_TABLES_SQL,
  MESSAGING,
  type Messaging,
  messagingChecks,
  MessagingModule,
  MessagingStatus,
  type RetryPolicy,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import {
  createLogger,
  HealthModule,
  Metrics,
  MetricsModule,
  NestPinoLogger,
} from '@switchboard/observability';
import type { Logger } from 'pino';
import { OutboxController } from './outbox.controller.ts';
import { CONFIG, DATABASE, LOGGER, PUBLIC_URL, PublicUrl } from './tokens.ts';

/** What makes one service: everything else about starting and stopping it is shared. */
export interface ServiceDefinition<Config extends ServiceConfig = ServiceConfig> {
  readonly name: ServiceName;
  /** Title and description of its OpenAPI document. */
  readonly title: string;
  readonly description: string;
  /** Folder of its SQL migrations. */
  readonly migrations: URL;
  /** Topics it publishes (their schemas are registered at start). */
  readonly publishes: readonly TopicName[];
  /** Its event handlers, one per consumed topic: its subscriptions, listed in one place. */
  readonly handlers?: readonly EventHandlerClass[];
  /** Its feature modules; they export what the handlers inject. */
  readonly features: readonly Type[];
  /** HTTP status of each of its domain error codes. */
  readonly errorStatus: Readonly<Record<string, number>>;
  /**
   * What it keeps only for a while, besides the inbox's ids and the Idempotency-Keys every
   * service prunes: its own retention rules, from its configuration.
   */
  retention?(config: Config): readonly RetentionRule[];
}

export interface StartOptions {
  readonly logger?: Logger;
  /** Retry policy of its consumer (tests shorten it). */
  readonly retry?: Partial<RetryPolicy>;
  /** Log NestJS's own start-up lines (default true). */
  readonly nestLogs?: boolean;
  /** Pause between two rounds of the retention rules (default an hour; tests shorten it). */
  readonly pruneEveryMs?: number;
}

/** A started service. `close` stops taking requests and events, drains, and closes its database. */
export interface RunningService {
  readonly app: NestExpressApplication;
  readonly url: string;
  readonly database: OpenDatabase;
  readonly metrics: Metrics;
  readonly logger: Logger;
  close(): Promise<void>;
}

@Global()
@Module({})
class ServiceCoreModule {
  static forRoot(
    config: ServiceConfig,
    database: OpenDatabase,
    logger: Logger,
    publicUrl: PublicUrl,
  ): DynamicModule {
    return {
      module: ServiceCoreModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: DATABASE, useValue: database.db },
        { provide: LOGGER, useValue: logger },
        { provide: PUBLIC_URL, useValue: publicUrl },
      ],
      exports: [CONFIG, DATABASE, LOGGER, PUBLIC_URL],
    };
  }
}

@Module({})
class ServiceModule {
  static create(
    definition: ServiceDefinition,
    config: ServiceConfig,
    database: OpenDatabase,
    logger: Logger,
    metrics: Metrics,
    retry: Partial<RetryPolicy> | undefined,
    publicUrl: PublicUrl,
    security: SecurityOptions,
  ): DynamicModule {
    const core = ServiceCoreModule.forRoot(config, database, logger, publicUrl);
    return {
      module: ServiceModule,
      controllers: [OutboxController],
      imports: [
        core,
        HttpSecurityModule.forRoot(security),
        MessagingModule.forRoot({
          service: definition.name,
          brokers: config.kafkaBrokers,
          security: config.kafkaSecurity,
          registryUrl: config.schemaRegistryUrl,
          registryCredentials: config.schemaRegistryCredentials,
          topicPrefix: config.topicPrefix,
          publishes: definition.publishes,
          handlers: definition.handlers ?? [],
          imports: [...definition.features],
          database: database.db,
          metrics: metrics.messaging,
          ...(retry ? { retry } : {}),
          // Logged once, here, where the bus gives the record up. The error's message stays in the
          // dead letter's headers (`pnpm dlq list`): it may quote the data that failed.
          onDeadLetter: (record, error) => {
            const header = (name: string) => record.headers?.[name]?.toString();
            logger.error(
              {
                event: 'messaging.event.dead-lettered',
                deadLetterTopic: record.topic,
                originalTopic: header(HEADERS.originalTopic),
                partition: header(HEADERS.originalPartition),
                offset: header(HEADERS.originalOffset),
                key: record.key,
                errorClass: error.name,
                attempts: header(HEADERS.attempts),
              },
              'messaging.event.dead-lettered',
            );
          },
          onRetryScheduled: (record, error) => {
            const header = (name: string) => record.headers?.[name]?.toString();
            logger.warn(
              {
                event: 'messaging.event.retry-scheduled',
                retryTopic: record.topic,
                originalTopic: header(HEADERS.originalTopic),
                partition: header(HEADERS.originalPartition),
                offset: header(HEADERS.originalOffset),
                key: record.key,
                errorClass: error.name,
                trips: header(HEADERS.attempts),
              },
              'messaging.event.retry-scheduled',
            );
          },
          // A failing dependency holds partitions back (nothing is parked): logged when a
          // partition is first paused and when it goes on; readiness names the dependency meanwhile.
          onPaused: (pause) =>
            logger.warn(
              {
                event: 'messaging.consumer.paused',
                topic: pause.physicalTopic,
                partition: pause.partition,
                dependency: pause.dependency,
                errorClass: pause.errorClass,
                reason: pause.reason,
              },
              'messaging.consumer.paused',
            ),
          onResumed: (pause, pausedMs) =>
            logger.info(
              {
                event: 'messaging.consumer.resumed',
                topic: pause.physicalTopic,
                partition: pause.partition,
                dependency: pause.dependency,
                pauses: pause.pauses,
                pausedSeconds: Math.round(pausedMs / 100) / 10,
              },
              'messaging.consumer.resumed',
            ),
          // The relay's own events, each logged once: the first failed pass of a run of them, the
          // recovery, and every row parked (`pnpm dlq list outbox <service>` shows why).
          relay: {
            onFailing: (error, status) =>
              logger.error(
                {
                  event: 'messaging.outbox.publish-failed',
                  errorClass: error.name,
                  reason: error.message,
                  waiting: status.backlog,
                },
                'messaging.outbox.publish-failed',
              ),
            onRecovered: (failedPasses, downMs) =>
              logger.info(
                { event: 'messaging.outbox.recovered', failedPasses, downSeconds: Math.round(downMs / 1000) },
                'messaging.outbox.recovered',
              ),
            onDeadLetter: (letter, error) =>
              logger.error(
                {
                  event: 'messaging.outbox.dead-lettered',
                  deadLetterId: letter.id,
                  topic: letter.topic,
                  key: letter.key,
                  eventId: letter.eventId,
                  bytes: letter.bytes,
                  errorClass: letter.errorClass,
                  reason: error.message,
                },
                'messaging.outbox.dead-lettered',
              ),
            onError: (error) =>
              logger.error({ event: 'messaging.outbox.failed', err: error }, 'messaging.outbox.failed'),
          },
        }),
        HealthModule.forRootAsync({
          inject: [MESSAGING, MessagingStatus],
          useFactory: (messaging: Messaging, status: MessagingStatus) => [
            { name: 'database', check: async () => void (await database.db.query('SELECT 1')) },
            ...messagingChecks(messaging, status, { stallAfterMs: config.outboxStallMs }),
          ],
        }),
        MetricsModule.forRoot(metrics),
        ...definition.features,
      ],
    };
  }
}

/**
 * Starts a service: opens and migrates its database, builds its NestJS application with the bus,
 * health, metrics and the HTTP conventions, and listens. Tracing, when wanted, is started before
 * (see `runService`).
 */
export async function startService<Config extends ServiceConfig>(
  definition: ServiceDefinition<Config>,
  config: Config,
  options: StartOptions = {},
): Promise<RunningService> {
  silenceKafkajsTimerWarning();
  const logger = options.logger ?? createLogger(definition.name);
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    name: definition.name.replaceAll('-', '_'),
  });
  try {
    if (config.production && database.kind === 'postgres') await refuseSuperuser(database.db);
    const applied = await migrate(database.db, definition.migrations, [
      MESSAGING_TABLES_SQL,
      IDEMPOTENT_COMMANDS_SQL,
    ]);
    if (applied.length > 0)
      logger.info(
        { event: `${definition.name}.migrated`, migrations: applied },
        `${definition.name}.migrated`,
      );
    const metrics = new Metrics({
      service: definition.name,
      latencyObjectivesSeconds: Object.values(TOPICS).map((spec) => spec.latencyObjectiveMs / 1000),
    });
    metrics.tableSizes(() => tableSizes(database.db));
    const publicUrl = new PublicUrl(config.publicUrl);
    // Who changed what: each answered write with the caller's client id (never its token).
    const security = securityOptionsOf(config.security, (write) =>
      logger.info({ event: `${definition.name}.http.write`, ...write }, `${definition.name}.http.write`),
    );
    const app = await createServiceApp(
      ServiceModule.create(definition, config, database, logger, metrics, options.retry, publicUrl, security),
      {
        logger: options.nestLogs === false ? false : new NestPinoLogger(logger),
        errorStatus: definition.errorStatus,
        onUnexpected: (error, request) =>
          logger.error(
            {
              event: `${definition.name}.http.failed`,
              err: error,
              method: request.method,
              path: request.path,
            },
            `${definition.name}.http.failed`,
          ),
        openApi: { title: definition.title, description: definition.description },
        security: {
          tokenUrl: config.security.tokenUrl,
          rateLimits: config.security.rateLimits,
          scopeOfPath: security.scopeOfPath,
          serve: config.security.docsAccess === 'open',
        },
        timeouts: {
          requestMs: config.security.requestTimeoutMs,
          headersMs: config.security.headersTimeoutMs,
        },
      },
    );
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    const url = `http://${config.host}:${port}`;
    publicUrl.listeningOn(config.host, port);
    const pruner = retentionPruner(definition, config, database, logger, metrics, options.pruneEveryMs);
    pruner.start();
    let closing: Promise<void> | undefined;
    return {
      app,
      url,
      database,
      metrics,
      logger,
      close: () => {
        closing ??= (async () => {
          // Stops the HTTP server, the consumer (finishing and committing what it holds) and the
          // relay (publishing what is committed), then the database.
          await pruner.stop();
          await app.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await database.close().catch(() => undefined);
    throw error;
  }
}

/**
 * The service's retention rules — the inbox's ids of the topics it consumes, its Idempotency-Keys
 * and its own — applied every hour by one replica, each round's prunes logged and counted.
 */
function retentionPruner<Config extends ServiceConfig>(
  definition: ServiceDefinition<Config>,
  config: Config,
  database: OpenDatabase,
  logger: Logger,
  metrics: Metrics,
  everyMs: number | undefined,
): RetentionPruner {
  const topics = (definition.handlers ?? []).map((handler) => handler.topic);
  const rules = [
    ...(topics.length > 0 ? [inboxRetention(definition.name, topics)] : []),
    idempotencyKeyRetention(config.idempotencyKeyRetentionDays),
    ...(definition.retention?.(config) ?? []),
  ];
  return new RetentionPruner(database.db, rules, {
    everyMs,
    onPruned: (rule, rows) => {
      metrics.rowsPruned(rule, rows);
      logger.info({ event: 'retention.pruned', rule, rows }, 'retention.pruned');
    },
    onError: (error, rule) =>
      logger.error({ event: 'retention.prune-failed', rule, err: error }, 'retention.prune-failed'),
  });
}
