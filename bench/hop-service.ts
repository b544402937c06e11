/**
 * The service side of the messaging benchmark's hop, in its own process as a real service would
 * be: it consumes OrderPlaced, records each event through the inbox and writes a BridgeReserved
 * event to the outbox in one transaction per partition batch, and its relay publishes them.
 *
 * Started by bench/messaging.ts with the IPC channel; configured by environment variables: the
 * stack's endpoint variables (KAFKA_BROKERS, …), BENCH_TOPIC_PREFIX and BENCH_DATABASE_URL (a
 * PostgreSQL URL, or empty for an in-process PGlite). Messages: it sends `ready` once its database, producer and
 * schemas are prepared; on `start` it starts the relay and the consumer and answers `started`; on
 * `stop` it stops both (finishing what is in flight) and exits.
 */
import {
  type BatchItem,
  createMessaging,
  EventConsumer,
  type EventHandler,
  migrateMessagingTables,
  Outbox,
  OutboxRelay,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import type { SqlExecutor } from '@switchboard/database';
import { resolveEndpoints } from '@switchboard/stack';
import {
  openHopDatabase,
  PLACED,
  type Placed,
  RESERVED,
  reservationFor,
  serveHop,
  SERVICE,
} from './hop-common.ts';

async function main(): Promise<void> {
  silenceKafkajsTimerWarning();
  const prefix = process.env.BENCH_TOPIC_PREFIX;
  if (!prefix)
    throw new Error('BENCH_TOPIC_PREFIX is not set: the driver (bench/messaging.ts) starts this process');
  const endpoints = resolveEndpoints();
  const messaging = createMessaging({
    service: SERVICE,
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.schemaRegistryUrl,
    topicPrefix: prefix,
  });
  const { db, close } = await openHopDatabase(process.env.BENCH_DATABASE_URL ?? '');
  await migrateMessagingTables(db);
  await db.query('CREATE TABLE reservations (order_id uuid PRIMARY KEY, starts_at bigint NOT NULL)');
  await messaging.publisher.start([PLACED, RESERVED]);
  await messaging.serde.prepare([PLACED]);
  const outbox = new Outbox(messaging.serde);

  /** The bus records each event's id in the transaction it opens for the handler. */
  class ReserveHandler implements EventHandler<typeof PLACED> {
    readonly topic = PLACED;
    async handle(tx: SqlExecutor, order: Placed): Promise<void> {
      await tx.query('INSERT INTO reservations (order_id, starts_at) VALUES ($1, $2)', [
        order.orderId,
        order.startsAt,
      ]);
      await outbox.enqueue(tx, RESERVED, order.orderId, reservationFor(order, SERVICE));
    }
    /** A partition's records in one transaction: inbox, state and outbox together. */
    async handleBatch(tx: SqlExecutor, items: readonly BatchItem<typeof PLACED>[]): Promise<void> {
      const orders = items.map((item) => item.event);
      await tx.query(
        'INSERT INTO reservations (order_id, starts_at) SELECT * FROM unnest($1::uuid[], $2::bigint[])',
        [orders.map((o) => o.orderId), orders.map((o) => o.startsAt)],
      );
      await outbox.enqueueMany(
        tx,
        items.map((item) => ({
          topic: RESERVED,
          key: item.event.orderId,
          event: reservationFor(item.event, SERVICE),
          trace: item.context.trace,
        })),
      );
    }
  }

  const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names, {
    onError: (error) => console.error(`[hop-service] relay: ${error.message}`),
  });
  outbox.wakes(relay);
  const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
    service: SERVICE,
    handlers: [new ReserveHandler()],
    database: db,
    names: messaging.names,
    fromBeginning: true,
  });

  serveHop({
    start: async () => {
      await relay.start();
      await consumer.start();
    },
    stop: async () => {
      await consumer.stop();
      await relay.stop();
      await messaging.publisher.stop();
      await close();
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
