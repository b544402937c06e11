import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type INestApplication, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { EventOf } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import { stackEndpoints, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventHandler } from '../src/consumer.ts';
import type { Messaging } from '../src/messaging.ts';
import { MessagingModule } from '../src/messaging.module.ts';
import { EventPublisher } from '../src/publisher.ts';
import { isolatedMessaging, messagingDatabase, type OpenedDatabase, sampleEvent } from './support.ts';

const TOPIC = 'orders.order-placed.v1';

@Injectable()
class Ledger {
  readonly entries: string[] = [];
}

@Module({ providers: [Ledger], exports: [Ledger] })
class LedgerModule {}

/** A handler with a dependency injected by type, slow enough to be caught mid-way by shutdown. */
@Injectable()
class SlowPlacedHandler implements EventHandler<typeof TOPIC> {
  static readonly topic = TOPIC;
  readonly topic = TOPIC;
  started = 0;
  constructor(private readonly ledger: Ledger) {}
  async handle(_tx: SqlExecutor, event: EventOf<typeof TOPIC>): Promise<void> {
    this.started++;
    await sleep(1_500);
    this.ledger.entries.push(event.orderId);
  }
}

describe('MessagingModule in a NestJS application', () => {
  const service = 'nest-it';
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let app: INestApplication;
  let database: OpenedDatabase;

  beforeAll(async () => {
    database = await messagingDatabase();
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], [service]));
    const { kafkaBrokers, schemaRegistryUrl } = stackEndpoints();
    const moduleRef = await Test.createTestingModule({
      imports: [
        MessagingModule.forRoot({
          service,
          brokers: kafkaBrokers,
          registryUrl: schemaRegistryUrl,
          topicPrefix: messaging.names.prefix,
          publishes: [TOPIC],
          handlers: [SlowPlacedHandler],
          imports: [LedgerModule],
          database: database.db,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });

  afterAll(async () => {
    await cleanup();
    await database.close();
  });

  it('delivers to the declared handler, and on close finishes and commits the event in hand', async () => {
    const orderId = randomUUID();
    await app.get(EventPublisher).publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId });
    const handler = app.get(SlowPlacedHandler);
    const ledger = app.get(Ledger);
    await waitFor(async () => (handler.started > 0 ? true : undefined), {
      description: 'the handler to start',
      timeoutMs: 30_000,
    });

    await app.close();
    expect(ledger.entries).toEqual([orderId]);

    const admin = messaging.kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({
      groupId: messaging.names.group(service),
      topics: [messaging.names.physical(TOPIC)],
    });
    const ends = await admin.fetchTopicOffsets(messaging.names.physical(TOPIC));
    await admin.disconnect();
    // Every partition's committed offset is at its end: nothing will be delivered again.
    for (const end of ends.filter((e) => e.high !== '0')) {
      expect(committed?.partitions.find((p) => p.partition === end.partition)?.offset).toBe(end.high);
    }
  });
});
