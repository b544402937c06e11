import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { migrate, openDatabase, type OpenDatabase } from '@switchboard/database';
import { consumerLag } from '@switchboard/messaging';
import {
  HealthModule,
  JaegerClient,
  Metrics,
  MetricsModule,
  NestPinoLogger,
} from '@switchboard/observability';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { AsyncApiController } from './asyncapi/asyncapi.controller.ts';
import { AuthController, LOGGER, LOGIN, PUBLIC_URL, SESSIONS, SessionMiddleware } from './auth/auth.ts';
import { type Login, OidcLogin } from './auth/oidc.ts';
import { Sessions } from './auth/sessions.ts';
import type { ConsoleConfig } from './config.ts';
import { DEAD_LETTERS, DeadLettersController } from './dead-letters/dead-letters.controller.ts';
import { DeadLetters } from './dead-letters/dead-letters.ts';
import { FlowsController, JAEGER, JAEGER_UI_URL } from './flows/flows.controller.ts';

import { Bus } from './kafka.ts';
import { PrometheusClient } from './prometheus.ts';
import { SERVICE_URLS, StatusController } from './status/status.controller.ts';
import { BUS, PROMETHEUS, TopicsController } from './topics/topics.controller.ts';

export interface ConsoleOptions {
  readonly config: ConsoleConfig;
  readonly logger: Logger;
  /** The identity provider's sign-in (tests may not replace it: only the real one is used). */
  readonly login?: Login;
  readonly nestLogs?: boolean;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Reports every consumer group's lag per partition as `kafka_consumergroup_lag{group,topic,partition}`,
 * read from the broker at each scrape (the name lag exporters use), so Prometheus sees the lag of a
 * consumer that is down, too.
 */
function lagGauge(metrics: Metrics, bus: Bus): void {
  new Gauge({
    name: 'kafka_consumergroup_lag',
    help: 'Records a consumer group has not handled yet, per topic and partition, read from the broker.',
    labelNames: ['group', 'consumer', 'topic', 'partition'],
    registers: [metrics.registry],
    async collect() {
      const lags = await bus.withAdmin((admin) => consumerLag(admin, bus.names)).catch(() => []);
      this.reset();
      for (const l of lags)
        this.set(
          { group: l.group, consumer: l.consumer, topic: l.topic, partition: String(l.partition) },
          l.lag,
        );
    },
  });
}

/** Starts the console: its database (the replay audit), its connections, and the HTTP server. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { config, logger } = options;
  const database: OpenDatabase = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    name: 'console',
    poolSize: 4,
  });
  await migrate(database.db, new URL('../migrations/', import.meta.url));
  const bus = new Bus(config);
  const deadLetters = new DeadLetters(bus, database.db);
  const prometheus = new PrometheusClient(config.prometheusUrl);
  const metrics = new Metrics({ service: 'console' });
  lagGauge(metrics, bus);
  const login = options.login ?? new OidcLogin({ ...config.oidc, publicUrl: config.publicUrl });
  const sessions = new Sessions(config.sessionIdleMs);

  @Module({
    imports: [
      MetricsModule.forRoot(metrics),
      HealthModule.forRoot([
        { name: 'database', check: async () => void (await database.db.query('SELECT 1')) },
        { name: 'kafka', check: () => bus.withAdmin(async (admin) => void (await admin.describeCluster())) },
      ]),
    ],
    controllers: [
      AuthController,
      FlowsController,
      TopicsController,
      DeadLettersController,
      StatusController,
      AsyncApiController,
    ],
    providers: [
      { provide: LOGIN, useValue: login },
      { provide: SESSIONS, useValue: sessions },
      { provide: PUBLIC_URL, useValue: config.publicUrl },
      { provide: LOGGER, useValue: logger },
      { provide: JAEGER, useValue: new JaegerClient(config.jaegerQueryUrl) },
      { provide: JAEGER_UI_URL, useValue: config.jaegerUiUrl },
      { provide: BUS, useValue: bus },
      { provide: PROMETHEUS, useValue: prometheus },
      { provide: DEAD_LETTERS, useValue: deadLetters },
      { provide: SERVICE_URLS, useValue: config.serviceUrls },
      SessionMiddleware,
    ],
  })
  class ConsoleModule implements NestModule {
    configure(consumer: MiddlewareConsumer): void {
      consumer.apply(SessionMiddleware).forRoutes('{*path}');
    }
  }

  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule, {
    logger: options.nestLogs === false ? false : new NestPinoLogger(logger),
  });
  app.disable('x-powered-by');
  await app.listen(config.port, config.host);
  const url = `http://${config.host}:${config.port}`;
  logger.info(
    { event: 'console.started', url, publicUrl: config.publicUrl, database: database.kind },
    'console.started',
  );
  return {
    url,
    async close() {
      await app.close();
      await deadLetters.close();
      await bus.close();
      await database.close();
    },
  };
}
