/**
 * The messaging benchmark's hop built the way the NestJS documentation shows it, for comparison
 * with the bus: a microservice on `@nestjs/microservices`' Kafka transport whose `@EventPattern`
 * handler takes each OrderPlaced (JSON, as the transport serializes), records it in an inbox,
 * stores the reservation and writes the outgoing event to an outbox table in one transaction of
 * the same database, then emits BridgeReserved through a `ClientKafka` and marks the outbox row
 * sent. The transport's defaults stand, except that it consumes every partition at once
 * (`run.partitionsConsumedConcurrently`), which the documentation offers and which only helps it.
 *
 * Started by bench/messaging.ts with the IPC channel and the same protocol as hop-service.ts:
 * `ready` once its tables and producer are up; on `start` the server listens (`started`); on
 * `stop` the application closes and the process exits. Environment: the stack's endpoint and
 * Kafka security variables, BENCH_PLACED_TOPIC, BENCH_RESERVED_TOPIC, BENCH_GROUP_ID (the
 * transport appends `-server`) and BENCH_DATABASE_URL.
 */
import 'reflect-metadata';
import { Controller, Inject, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientKafka,
  ClientsModule,
  EventPattern,
  type MicroserviceOptions,
  Payload,
  Transport,
} from '@nestjs/microservices';
import { kafkaSecurityFromEnv } from '@switchboard/config';
import type { SqlDatabase } from '@switchboard/database';
import { kafkaClientConfig, silenceKafkajsTimerWarning } from '@switchboard/messaging';
import { Partitioners } from 'kafkajs';
import { resolveEndpoints } from '@switchboard/stack';
import { lastValueFrom } from 'rxjs';
import { openHopDatabase, type Placed, reservationFor, serveHop, SERVICE } from './hop-common.ts';

const PRODUCER = 'bench-nest-hop';
const DATABASE = Symbol('database');
const BRIDGE = 'BRIDGE_CLIENT';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the driver (bench/messaging.ts) starts this process`);
  return value;
}

const placedTopic = required('BENCH_PLACED_TOPIC');
const reservedTopic = required('BENCH_RESERVED_TOPIC');
const groupId = required('BENCH_GROUP_ID');
const endpoints = resolveEndpoints();
const client = (clientId: string) =>
  kafkaClientConfig(clientId, endpoints.kafkaBrokers, kafkaSecurityFromEnv(SERVICE));

@Controller()
class ReserveController {
  constructor(
    @Inject(BRIDGE) private readonly bridge: ClientKafka,
    @Inject(DATABASE) private readonly db: SqlDatabase,
  ) {}

  @EventPattern<Record<string, Placed>>(placedTopic)
  async reserve(@Payload() order: Placed): Promise<void> {
    const reservation = reservationFor(order, PRODUCER);
    const fresh = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query(
        'INSERT INTO inbox (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING event_id',
        [order.meta.eventId],
      );
      if (rows.length === 0) return false; // seen before: its reservation exists already
      await tx.query('INSERT INTO reservations (order_id, starts_at) VALUES ($1, $2)', [
        order.orderId,
        order.startsAt,
      ]);
      await tx.query('INSERT INTO outbox (event_id, topic, key, value) VALUES ($1, $2, $3, $4)', [
        reservation.meta.eventId,
        reservedTopic,
        order.orderId,
        JSON.stringify(reservation),
      ]);
      return true;
    });
    if (!fresh) return;
    await lastValueFrom(this.bridge.emit(reservedTopic, { key: order.orderId, value: reservation }));
    await this.db.query('UPDATE outbox SET sent_at = now() WHERE event_id = $1', [reservation.meta.eventId]);
  }
}

async function main(): Promise<void> {
  silenceKafkajsTimerWarning();
  const { db, close } = await openHopDatabase(process.env.BENCH_DATABASE_URL ?? '');
  await db.script(`
    CREATE TABLE inbox (event_id uuid PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE reservations (order_id uuid PRIMARY KEY, starts_at bigint NOT NULL);
    CREATE TABLE outbox (event_id uuid PRIMARY KEY, topic text NOT NULL, key text NOT NULL,
      value text NOT NULL, sent_at timestamptz);
  `);

  @Module({
    imports: [
      ClientsModule.register([
        {
          name: BRIDGE,
          transport: Transport.KAFKA,
          options: {
            client: client(PRODUCER),
            producer: { createPartitioner: Partitioners.DefaultPartitioner },
            producerOnlyMode: true,
          },
        },
      ]),
    ],
    controllers: [ReserveController],
    providers: [{ provide: DATABASE, useValue: db }],
  })
  class HopModule {}

  const app = await NestFactory.createMicroservice<MicroserviceOptions>(HopModule, {
    transport: Transport.KAFKA,
    options: {
      client: client(PRODUCER),
      consumer: { groupId },
      subscribe: { fromBeginning: true },
      run: { partitionsConsumedConcurrently: 3 },
    },
    logger: ['error', 'warn'],
  });
  await app.init();
  await app.get<ClientKafka>(BRIDGE).connect();

  serveHop({
    start: () => app.listen(),
    stop: async () => {
      await app.close();
      await close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
