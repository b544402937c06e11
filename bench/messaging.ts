/**
 * `pnpm bench messaging`: one hop of the bus against the real stack, with the raw ceiling of the
 * same broker measured in the same run.
 *
 * - ceiling: plain kafkajs, JSON values, produce → consume, no database;
 * - hop: an OrderPlaced record is consumed, its handler records it through the inbox and writes a
 *   BridgeReserved event to the outbox in one PGlite transaction, the relay publishes it, and a
 *   reader takes it off the second topic. Hop latency = arrival on the second topic − the moment
 *   the first record was produced;
 * - max hop throughput from a backlog, then latency at paced rates including half of that maximum;
 * - Avro work per event: serde encode + decode (header, registry cache, resolver).
 *
 * Prints a summary and writes bench-results/messaging-<time>.json. Traffic goes to the stack on
 * loopback only, is bounded in count and time, and the run deletes its topics at the end.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { avroTypeOf, type EventOf, TOPICS } from '@switchboard/contracts';
import {
  applyTopics,
  type BatchItem,
  createMessaging,
  EventConsumer,
  type EventHandler,
  Inbox,
  migrateMessagingTables,
  Outbox,
  OutboxRelay,
  pgliteDatabase,
  plannedTopics,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import { down, resolveEndpoints, up } from '@switchboard/stack';
import { Partitioners } from 'kafkajs';

const PLACED = 'orders.order-placed.v1';
const RESERVED = 'conference.bridge-reserved.v1';
const SERVICE = 'bench-hop';

type Placed = EventOf<typeof PLACED>;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

function placedEvent(): Placed {
  const base = avroTypeOf(TOPICS[PLACED].schema).random() as unknown as Placed;
  return {
    ...base,
    orderId: randomUUID(),
    customerId: randomUUID(),
    title: 'Quarterly review',
    meta: {
      ...base.meta,
      eventId: randomUUID(),
      occurredAt: Date.now(),
      producer: 'bench',
      causationId: null,
    },
  };
}

async function main(): Promise<void> {
  silenceKafkajsTimerWarning();
  const { started } = await up({ log: (l) => console.error(`[stack] ${l.trim()}`) });
  const endpoints = resolveEndpoints();
  const messaging = createMessaging({
    service: SERVICE,
    brokers: endpoints.kafkaBrokers,
    registryUrl: endpoints.schemaRegistryUrl,
    topicPrefix: `bench${randomUUID().slice(0, 8)}.`,
  });
  const admin = messaging.kafka.admin();
  await admin.connect();
  const plans = plannedTopics({ [PLACED]: TOPICS[PLACED], [RESERVED]: TOPICS[RESERVED] }, messaging.names, [
    SERVICE,
  ]);
  const ceilingTopic = `${messaging.names.prefix}ceiling`;
  await applyTopics(admin, [...plans, { name: ceilingTopic, partitions: 3, configs: {} }]);
  const pg = new PGlite();
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
  try {
    results.avro = await avroWork(messaging);
    results.ceiling = await rawCeiling(messaging.kafka, ceilingTopic);
    results.hop = await hop(messaging, pg);
  } finally {
    await pg.close();
    await admin.deleteTopics({ topics: [...plans.map((p) => p.name), ceilingTopic] }).catch(() => undefined);
    await admin.disconnect();
    if (started.length > 0) await down({ only: started });
  }
  const ceiling = results.ceiling as { eventsPerSecond: number };
  const hopResult = results.hop as { maxEventsPerSecond: number };
  results.ratio = round(hopResult.maxEventsPerSecond / ceiling.eventsPerSecond, 3);
  await mkdir('bench-results', { recursive: true });
  const file = join('bench-results', `messaging-${new Date().toISOString().replaceAll(':', '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  summarize(results, file);
}

/** Microseconds of Avro work per event on the bus's real path: encode with header, decode via resolver. */
async function avroWork(messaging: ReturnType<typeof createMessaging>): Promise<Record<string, number>> {
  await messaging.serde.prepare([PLACED]);
  const event = placedEvent();
  const value = messaging.serde.encode(PLACED, event);
  await messaging.serde.decode(PLACED, value); // the one registry call, outside the timing
  const iterations = 50_000;
  for (let i = 0; i < 5_000; i++) await messaging.serde.decode(PLACED, messaging.serde.encode(PLACED, event));
  let start = performance.now();
  for (let i = 0; i < iterations; i++) messaging.serde.encode(PLACED, event);
  const encodeUs = ((performance.now() - start) * 1000) / iterations;
  start = performance.now();
  for (let i = 0; i < iterations; i++) await messaging.serde.decode(PLACED, value);
  const decodeUs = ((performance.now() - start) * 1000) / iterations;
  return {
    iterations,
    encodeMicros: round(encodeUs, 2),
    decodeMicros: round(decodeUs, 2),
    totalMicros: round(encodeUs + decodeUs, 2),
    bytes: value.length,
  };
}

/** Plain kafkajs with JSON values on the same broker: the most this broker and client can move. */
async function rawCeiling(
  kafka: ReturnType<typeof createMessaging>['kafka'],
  topic: string,
): Promise<Record<string, number>> {
  const count = 20_000;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `ceiling-${randomUUID()}` });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  let received = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      received += batch.messages.length;
      if (received >= count) done();
    },
  });
  await sleep(2_000); // let the group settle before the clock starts
  const payload = JSON.stringify(placedEvent());
  const start = performance.now();
  for (let sent = 0; sent < count; sent += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 500 }, (_, i) => ({ key: String((sent + i) % 64), value: payload })),
    });
  }
  await Promise.race([finished, sleep(60_000)]);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  return { events: received, seconds: round(seconds, 2), eventsPerSecond: round(received / seconds, 0) };
}

async function hop(
  messaging: ReturnType<typeof createMessaging>,
  pg: PGlite,
): Promise<Record<string, unknown>> {
  const db = pgliteDatabase(pg);
  await migrateMessagingTables(db);
  await db.query('CREATE TABLE reservations (order_id uuid PRIMARY KEY, starts_at bigint NOT NULL)');
  await messaging.publisher.start([PLACED, RESERVED]);
  const outbox = new Outbox(messaging.serde);
  const inbox = new Inbox(db, SERVICE);

  const reservationFor = (order: Placed): EventOf<typeof RESERVED> => ({
    meta: {
      eventId: randomUUID(),
      occurredAt: Date.now(),
      producer: SERVICE,
      correlationId: order.meta.correlationId,
      causationId: order.meta.eventId,
    },
    orderId: order.orderId,
    reservationId: randomUUID(),
    customerId: order.customerId,
    bridgeId: 'bridge-1',
    dialInNumber: '+4930123456',
    accessCode: '123456',
    // The bench carries the first record's production time here to measure the hop.
    startsAt: order.meta.occurredAt,
    endsAt: order.meta.occurredAt,
    ports: 1,
  });

  class ReserveHandler implements EventHandler<typeof PLACED> {
    readonly topic = PLACED;
    async handle(order: Placed): Promise<void> {
      await inbox.handleOnce(order.meta.eventId, PLACED, async (tx) => {
        await tx.query('INSERT INTO reservations (order_id, starts_at) VALUES ($1, $2)', [
          order.orderId,
          order.startsAt,
        ]);
        await outbox.enqueue(tx, RESERVED, order.orderId, reservationFor(order));
      });
    }
    /** A partition's records in one transaction: inbox, state and outbox together. */
    async handleBatch(items: readonly BatchItem<typeof PLACED>[]): Promise<void> {
      const keyed = items.map((item) => ({ eventId: item.event.meta.eventId, item }));
      await inbox.handleBatchOnce(keyed, PLACED, async (tx, fresh) => {
        const orders = fresh.map(({ item }) => item.event);
        await tx.query(
          'INSERT INTO reservations (order_id, starts_at) SELECT * FROM unnest($1::uuid[], $2::bigint[])',
          [orders.map((o) => o.orderId), orders.map((o) => o.startsAt)],
        );
        await outbox.enqueueMany(
          tx,
          fresh.map(({ item }) => ({
            topic: RESERVED,
            key: item.event.orderId,
            event: reservationFor(item.event),
            trace: item.context.trace,
          })),
        );
      });
    }
  }

  // Reader of the second topic: arrival times.
  const latencies: number[] = [];
  let arrived = 0;
  const reader = messaging.kafka.consumer({ groupId: `bench-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: messaging.names.physical(RESERVED), fromBeginning: true });
  await reader.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const event = await messaging.serde.decode(RESERVED, message.value);
        latencies.push(now - event.startsAt);
        arrived++;
      }
    },
  });

  const generator = messaging.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await generator.connect();
  const produce = async (count: number): Promise<void> => {
    const messages = Array.from({ length: count }, () => {
      const event = placedEvent();
      return { key: event.orderId, value: messaging.serde.encode(PLACED, event) };
    });
    await generator.send({ topic: messaging.names.physical(PLACED), acks: -1, messages });
  };

  const relay = new OutboxRelay(db, messaging.publisher, messaging.serde, messaging.names);
  const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
    service: SERVICE,
    handlers: [new ReserveHandler()],
    names: messaging.names,
    fromBeginning: true,
  });

  // Maximum: a backlog drained as fast as the hop goes.
  const backlog = 5_000;
  for (let i = 0; i < backlog; i += 500) await produce(500);
  await relay.start();
  const start = performance.now();
  await consumer.start();
  const deadline = Date.now() + 120_000;
  while (arrived < backlog && Date.now() < deadline) await sleep(50);
  const maxSeconds = (performance.now() - start) / 1000;
  const maxEventsPerSecond = round(arrived / maxSeconds, 0);

  // Paced load: latency at rates up to and around half the maximum.
  const half = Math.max(50, Math.round(maxEventsPerSecond / 2));
  const rates = [...new Set([100, Math.round(half / 2), half, Math.round(half * 1.5)])].sort((a, b) => a - b);
  const paced: Record<string, unknown>[] = [];
  for (const rate of rates) {
    latencies.length = 0;
    const before = arrived;
    const seconds = 4;
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const ticks = Math.round((seconds * 1000) / tickMs);
    const begin = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      await produce(perTick);
      const next = begin + (tick + 1) * tickMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const expected = before + perTick * ticks;
    const drainBy = Date.now() + 30_000;
    while (arrived < expected && Date.now() < drainBy) await sleep(20);
    const elapsed = (performance.now() - begin) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    paced.push({
      offeredPerSecond: rate,
      achievedPerSecond: round((arrived - before) / elapsed, 0),
      events: arrived - before,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? Number.NaN,
    });
  }

  await consumer.stop();
  await relay.stop();
  await Promise.all([reader.disconnect(), generator.disconnect(), messaging.publisher.stop()]);
  const atHalf = paced.find((p) => p.offeredPerSecond === half);
  return {
    backlog,
    maxSeconds: round(maxSeconds, 2),
    maxEventsPerSecond,
    halfOfMax: half,
    p99AtHalfOfMaxMs: atHalf?.p99Ms,
    paced,
  };
}

function summarize(results: Record<string, unknown>, file: string): void {
  const avro = results.avro as Record<string, number>;
  const ceiling = results.ceiling as Record<string, number>;
  const hopResult = results.hop as {
    maxEventsPerSecond: number;
    halfOfMax: number;
    p99AtHalfOfMaxMs: number;
    paced: Record<string, number>[];
  };
  console.log(
    '\nmessaging benchmark (one hop: consume → inbox + state + outbox in one PGlite transaction per partition batch → relay → publish)',
  );
  console.log(
    `  Avro work per event:  encode ${avro.encodeMicros} µs + decode ${avro.decodeMicros} µs = ${avro.totalMicros} µs  (target < 5 µs)`,
  );
  console.log(
    `  raw ceiling:          ${ceiling.eventsPerSecond} events/s  (kafkajs JSON produce → consume, no DB)`,
  );
  console.log(`  hop maximum:          ${hopResult.maxEventsPerSecond} events/s from a backlog`);
  console.log(`  ratio hop / ceiling:  ${String(results.ratio)}  (target ≥ 0.5)`);
  console.log('  paced load:');
  for (const p of hopResult.paced) {
    console.log(
      `    offered ${String(p.offeredPerSecond).padStart(5)}/s  achieved ${String(p.achievedPerSecond).padStart(5)}/s  p50 ${p.p50Ms} ms  p99 ${p.p99Ms} ms  max ${p.maxMs} ms`,
    );
  }
  console.log(
    `  p99 at half of maximum (${hopResult.halfOfMax}/s): ${hopResult.p99AtHalfOfMaxMs} ms  (target < 20 ms)`,
  );
  console.log(`  results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
