import {
  type DynamicModule,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { TopicName } from '@switchboard/contracts';
import { type ConsumerOptions, EventConsumer, type RetryPolicy } from './consumer.ts';
import type { EventHandlerClass } from './event-handler.ts';
import { createMessaging, type Messaging, type MessagingOptions } from './messaging.ts';
import { Outbox, OutboxRelay, type RelayOptions } from './outbox.ts';
import { OutboxDeadLetters } from './outbox-dead-letters.ts';
import { EventPublisher } from './publisher.ts';
import { MessagingStatus } from './readiness.ts';
import type { SqlDatabase } from '@switchboard/database';

export interface MessagingModuleOptions extends MessagingOptions {
  /** Topics this service publishes; their schemas are registered at start-up. */
  readonly publishes: readonly TopicName[];
  /**
   * The handler classes, one per consumed topic: the single, explicit list of this service's
   * subscriptions. They become providers of this module, so they get their use cases injected
   * from the modules listed in `imports`. Each runs in a transaction of `database` in which the
   * bus records the event as handled.
   */
  readonly handlers?: readonly EventHandlerClass[];
  /** Modules that export what the handlers inject. */
  readonly imports?: DynamicModule['imports'];
  /** The service's database, for the outbox relay, the inbox and the handlers' transactions. */
  readonly database?: SqlDatabase;
  readonly retry?: Partial<RetryPolicy>;
  readonly partitionsConsumedConcurrently?: number;
  /** Told of each record the consumer parks in a dead-letter topic (to log it). */
  readonly onDeadLetter?: ConsumerOptions['onDeadLetter'];
  /** Told of each record the consumer sends to its retry topic (to log it). */
  readonly onRetryScheduled?: ConsumerOptions['onRetryScheduled'];
  /** Told when a partition is paused for a failing dependency, and when it resumes (to log it). */
  readonly onPaused?: ConsumerOptions['onPaused'];
  readonly onResumed?: ConsumerOptions['onResumed'];
  /** The outbox relay's bounds and what it reports (to log it); its metrics are `metrics`. */
  readonly relay?: Omit<RelayOptions, 'metrics'>;
}

/** Injection tokens of the options and of the wired `Messaging` parts. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
export const MESSAGING = Symbol('MESSAGING');

/** Starts the bus with the application and stops it in order when the application closes. */
class MessagingLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: EventConsumer | undefined;
  private relay: OutboxRelay | undefined;
  private relayPublisher: EventPublisher | undefined;

  constructor(
    private readonly options: MessagingModuleOptions,
    private readonly messaging: Messaging,
    private readonly moduleRef: ModuleRef,
    private readonly outbox: Outbox,
    private readonly status: MessagingStatus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { messaging, options } = this;
    await messaging.publisher.start(options.publishes);
    if (options.database) {
      // A producer of its own, which the relay may replace after a failed send (see reset).
      this.relayPublisher = new EventPublisher(
        messaging.kafka,
        messaging.serde,
        messaging.metrics,
        messaging.names,
      );
      await this.relayPublisher.start([]);
      const relay = new OutboxRelay(options.database, this.relayPublisher, messaging.serde, messaging.names, {
        ...options.relay,
        metrics: messaging.metrics,
      });
      this.relay = relay;
      // Commits through this service's outbox wake its relay directly, without a NOTIFY.
      this.outbox.wakes(relay);
      this.status.relayStarted(() => relay.status);
      await relay.start();
    }
    const handlers = (options.handlers ?? []).map((type) => this.moduleRef.get(type));
    if (handlers.length > 0 && options.database) {
      this.consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
        service: options.service,
        handlers,
        database: options.database,
        names: messaging.names,
        metrics: messaging.metrics,
        retry: options.retry,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        onDeadLetter: options.onDeadLetter,
        onRetryScheduled: options.onRetryScheduled,
        onPaused: options.onPaused,
        onResumed: options.onResumed,
      });
      this.consumer.onCrash((error, restarting) => {
        if (!restarting) this.status.consumerFailed(error);
      });
      const consumer = this.consumer;
      this.status.consumerStarted(() => consumer.pauses);
      await this.consumer.start();
    }
  }

  /** Stop fetching and finish in-flight handlers (committing them), then drain the relay. */
  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.relay?.stop();
    await this.relayPublisher?.stop();
    await this.messaging.publisher.stop();
  }
}

/**
 * Switchboard's event bus for a NestJS service:
 *
 * ```ts
 * MessagingModule.forRoot({
 *   service: 'orders', brokers, registryUrl,
 *   publishes: ['orders.order-placed.v1'],
 *   handlers: ORDERS_HANDLERS, // [eventHandler('conference.bridge-reserved.v1', …), …]
 *   database,
 * })
 * ```
 *
 * Provides `MESSAGING` (the wired parts), `EventPublisher`, `Outbox`, `MessagingStatus` (for
 * readiness) and, with a database, `OutboxDeadLetters`.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const handlers = [...(options.handlers ?? [])];
    if (handlers.length > 0 && !options.database)
      throw new Error(`${options.service} has event handlers but no database for their inbox`);
    const providers: Provider[] = [
      { provide: MESSAGING_OPTIONS, useValue: options },
      { provide: MESSAGING, useFactory: () => createMessaging(options) },
      { provide: EventPublisher, useFactory: (m: Messaging) => m.publisher, inject: [MESSAGING] },
      { provide: Outbox, useFactory: (m: Messaging) => new Outbox(m.serde), inject: [MESSAGING] },
      { provide: MessagingStatus, useFactory: () => new MessagingStatus() },
      ...handlers,
      {
        provide: MessagingLifecycle,
        useFactory: (
          o: MessagingModuleOptions,
          m: Messaging,
          ref: ModuleRef,
          outbox: Outbox,
          status: MessagingStatus,
        ) => new MessagingLifecycle(o, m, ref, outbox, status),
        inject: [MESSAGING_OPTIONS, MESSAGING, ModuleRef, Outbox, MessagingStatus],
      },
    ];
    const exported: DynamicModule['exports'] = [MESSAGING, EventPublisher, Outbox, MessagingStatus];
    if (options.database) {
      const database = options.database;
      providers.push({
        provide: OutboxDeadLetters,
        useFactory: (outbox: Outbox) => new OutboxDeadLetters(database, outbox),
        inject: [Outbox],
      });
      exported.push(OutboxDeadLetters);
    }
    return {
      module: MessagingModule,
      global: true,
      imports: options.imports ?? [],
      providers,
      exports: exported,
    };
  }
}
