/**
 * `pnpm bench messaging`: one hop of the bus against the real stack, with the raw ceiling of the
 * same broker measured in the same run.
 *
 * - ceiling: plain kafkajs, JSON values, produce → consume, no database;
 * - hop: a service process (hop-service.ts) consumes an OrderPlaced record, records it through the
 *   inbox and writes a BridgeReserved event to the outbox in one transaction, its relay publishes
 *   it, and a reader here takes it off the second topic. Hop latency = arrival on the second
 *   topic − the moment the first record was produced. Run once on the service's own PGlite and
 *   once on a throwaway database of the stack's PostgreSQL (`pnpm bench messaging postgres` runs
 *   only that one);
 * - max hop throughput from a backlog, then latency at paced rates including half of that maximum;
 * - Avro work per event: serde encode + decode (header, registry cache, resolver).
 *
 * Prints a summary and writes bench-results/messaging-<time>.json. Traffic goes to the stack on
 * loopback only, is bounded in count and time, and the run deletes its topics at the end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { avroTypeOf, type EventOf, TOPICS, type TopicName } from '@switchboard/contracts';
import {
  applyTopics,
  createMessaging,
  type Messaging,
  plannedTopics,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import { down, endpointsToEnv, resolveEndpoints, type StackEndpoints, up } from '@switchboard/stack';
import { Partitioners } from 'kafkajs';
import { createTestDatabase } from '@switchboard/testing';
import { PLACED, RESERVED, SERVICE } from './hop-topics.ts';

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
    durationMinutes: 60,
    expectedParticipants: 12,
    meta: {
      ...base.meta,
      eventId: randomUUID(),
      occurredAt: Date.now(),
      // As orders would: consumers park events of a producer that does not own the topic.
      producer: 'orders',
      causationId: null,
    },
  };
}

/** Where the hop's service keeps its data: a URL it is given (empty: its own PGlite) and the clean-up. */
interface HopDatabase {
  readonly label: string;
  readonly url: string;
  drop(): Promise<void>;
}

async function pgliteHopDatabase(): Promise<HopDatabase> {
  return { label: 'PGlite (in-process)', url: '', drop: async () => undefined };
}

/** A throwaway database on the PostgreSQL server at `adminUrl`, dropped afterwards. */
async function postgresHopDatabase(adminUrl: string): Promise<HopDatabase> {
  const database = await createTestDatabase(adminUrl, 'bench_hop');
  return { label: `PostgreSQL at ${new URL(adminUrl).host}`, url: database.url, drop: () => database.drop() };
}

async function main(): Promise<void> {
  silenceKafkajsTimerWarning();
  const { started } = await up({ log: (l) => console.error(`[stack] ${l.trim()}`) });
  const endpoints = resolveEndpoints();
  const messagingFor = (): Messaging =>
    createMessaging({
      service: SERVICE,
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.schemaRegistryUrl,
      topicPrefix: `bench${randomUUID().slice(0, 8)}.`,
    });
  const results: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
  try {
    const messaging = messagingFor();
    results.avro = await avroWork(messaging);
    results.ceiling = await withTopics(messaging, [], (ceilingTopic) =>
      rawCeiling(messaging.kafka, ceilingTopic),
    );
    const hops: Record<string, unknown>[] = [];
    const databases = {
      pglite: pgliteHopDatabase,
      postgres: () => postgresHopDatabase(endpoints.postgresUrl),
    };
    // `pnpm bench messaging pglite` runs the hop on one database only.
    const chosen = process.argv.slice(3);
    for (const [name, open] of Object.entries(databases)) {
      if (chosen.length > 0 && !chosen.includes(name)) continue;
      const database = await open();
      try {
        const hopMessaging = messagingFor();
        hops.push({
          database: database.label,
          ...(await withTopics(hopMessaging, [PLACED, RESERVED], () =>
            hop(hopMessaging, endpoints, database.url),
          )),
        });
      } finally {
        await database.drop();
      }
    }
    results.hops = hops;
  } finally {
    if (started.length > 0) await down({ only: started });
  }
  const ceiling = results.ceiling as { eventsPerSecond: number };
  for (const hopResult of results.hops as { maxEventsPerSecond: number; ratio?: number }[]) {
    hopResult.ratio = round(hopResult.maxEventsPerSecond / ceiling.eventsPerSecond, 3);
  }
  await mkdir('bench-results', { recursive: true });
  const file = join('bench-results', `messaging-${new Date().toISOString().replaceAll(':', '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  summarize(results, file);
}

/** Creates the run's own topics (the catalog's for `topics`, plus a plain one), runs `work`, deletes them. */
async function withTopics<R>(
  messaging: Messaging,
  topics: readonly TopicName[],
  work: (plainTopic: string) => Promise<R>,
): Promise<R> {
  const admin = messaging.kafka.admin();
  await admin.connect();
  const plans = plannedTopics(Object.fromEntries(topics.map((t) => [t, TOPICS[t]])), messaging.names, [
    SERVICE,
  ]);
  const plain = `${messaging.names.prefix}ceiling`;
  try {
    await applyTopics(admin, [...plans, { name: plain, partitions: 3, configs: {} }]);
    return await work(plain);
  } finally {
    await admin.deleteTopics({ topics: [...plans.map((p) => p.name), plain] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Microseconds of Avro work per event on the bus's real path: encode with header, decode via resolver. */
async function avroWork(messaging: Messaging): Promise<Record<string, number>> {
  // The bench is the contracts tool of its own prefix: it registers what the bus only looks up.
  await messaging.serde.register([PLACED]);
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
async function rawCeiling(kafka: Messaging['kafka'], topic: string): Promise<Record<string, number>> {
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

/**
 * Starts the hop's service in its own process (bench/hop-service.ts) on the given database and
 * resolves once it has prepared its tables, producer and schemas.
 */
async function startHopService(
  messaging: Messaging,
  endpoints: StackEndpoints,
  databaseUrl: string,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@switchboard/source', '--import', 'tsx', join(import.meta.dirname, 'hop-service.ts')],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        ...endpointsToEnv(endpoints),
        BENCH_TOPIC_PREFIX: messaging.names.prefix,
        BENCH_DATABASE_URL: databaseUrl,
      },
    },
  );
  await answer(child, 'ready');
  return child;
}

/** Resolves when the child sends `expected`; fails when it exits first. */
function answer(child: ChildProcess, expected: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (message !== expected) return;
      child.off('exit', onExit);
      child.off('message', onMessage);
      resolve();
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`the hop service exited (code ${code}) before it was ${expected}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function hop(
  messaging: Messaging,
  endpoints: StackEndpoints,
  databaseUrl: string,
): Promise<Record<string, unknown>> {
  await messaging.serde.register([PLACED, RESERVED]);
  const service = await startHopService(messaging, endpoints, databaseUrl);

  // Reader of the second topic: arrival times. Each latency is also split at the moment the
  // handler built the outgoing event (its occurredAt): before = publish, fetch and the handler's
  // start; after = the rest of the handler's transaction, the relay and the reader's fetch.
  const latencies: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  const arrivals: number[] = [];
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
        before.push(event.meta.occurredAt - event.startsAt);
        after.push(now - event.meta.occurredAt);
        arrivals.push(performance.now());
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

  // Maximum: a backlog drained as fast as the hop goes, timed between its 10th and 90th
  // percentile of arrivals so that joining the consumer group and the last stragglers do not count.
  const backlog = 20_000;
  for (let i = 0; i < backlog; i += 500) await produce(500);
  service.send('start');
  await answer(service, 'started');
  console.error(`[bench] draining a backlog of ${backlog} events`);
  const deadline = Date.now() + 180_000;
  while (arrived < backlog && Date.now() < deadline) await sleep(50);
  if (arrived < backlog) throw new Error(`only ${arrived} of ${backlog} backlog events arrived within 180 s`);
  const first = arrivals[Math.floor(backlog * 0.1)] ?? Number.NaN;
  const last = arrivals[Math.floor(backlog * 0.9)] ?? Number.NaN;
  const maxSeconds = (last - first) / 1000;
  const maxEventsPerSecond = round((backlog * 0.8) / maxSeconds, 0);

  // Paced load: latency at rates up to and around half the maximum.
  const half = Math.max(50, Math.round(maxEventsPerSecond / 2));
  const rates = [...new Set([100, Math.round(half / 2), half, Math.round(half * 1.5)])].sort((a, b) => a - b);
  const paced: Record<string, unknown>[] = [];
  for (const rate of rates) {
    for (const list of [latencies, before, after]) list.length = 0;
    const arrivedBefore = arrived;
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
    const expected = arrivedBefore + perTick * ticks;
    const drainBy = Date.now() + 30_000;
    while (arrived < expected && Date.now() < drainBy) await sleep(20);
    const elapsed = (performance.now() - begin) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    const sortedBefore = [...before].sort((a, b) => a - b);
    const sortedAfter = [...after].sort((a, b) => a - b);
    paced.push({
      offeredPerSecond: rate,
      achievedPerSecond: round((arrived - arrivedBefore) / elapsed, 0),
      events: arrived - arrivedBefore,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.at(-1) ?? Number.NaN,
      beforeHandlerP50Ms: percentile(sortedBefore, 50),
      beforeHandlerP99Ms: percentile(sortedBefore, 99),
      afterHandlerP50Ms: percentile(sortedAfter, 50),
      afterHandlerP99Ms: percentile(sortedAfter, 99),
    });
  }

  const exited = new Promise((resolve) => service.once('exit', resolve));
  service.send('stop');
  await exited;
  await Promise.all([reader.disconnect(), generator.disconnect()]);
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

interface HopSummary {
  database: string;
  maxEventsPerSecond: number;
  ratio: number;
  halfOfMax: number;
  p99AtHalfOfMaxMs: number;
  paced: Record<string, number>[];
}

function summarize(results: Record<string, unknown>, file: string): void {
  const avro = results.avro as Record<string, number>;
  const ceiling = results.ceiling as Record<string, number>;
  console.log(
    '\nmessaging benchmark (one hop: consume → inbox + state + outbox in one transaction per partition batch → relay → publish)',
  );
  console.log(
    `  Avro work per event:  encode ${avro.encodeMicros} µs + decode ${avro.decodeMicros} µs = ${avro.totalMicros} µs  (target < 5 µs)`,
  );
  console.log(
    `  raw ceiling:          ${ceiling.eventsPerSecond} events/s  (kafkajs JSON produce → consume, no DB)`,
  );
  for (const hopResult of results.hops as HopSummary[]) {
    console.log(`  hop on ${hopResult.database}:`);
    console.log(`    maximum:            ${hopResult.maxEventsPerSecond} events/s from a backlog`);
    console.log(`    ratio hop / ceiling: ${hopResult.ratio}  (target ≥ 0.5)`);
    for (const p of hopResult.paced) {
      console.log(
        `    offered ${String(p.offeredPerSecond).padStart(5)}/s  achieved ${String(p.achievedPerSecond).padStart(5)}/s  p50 ${p.p50Ms} ms  p99 ${p.p99Ms} ms  max ${p.maxMs} ms  (p50/p99 to the handler ${p.beforeHandlerP50Ms}/${p.beforeHandlerP99Ms} ms, from it ${p.afterHandlerP50Ms}/${p.afterHandlerP99Ms} ms)`,
      );
    }
    console.log(
      `    p99 at half of maximum (${hopResult.halfOfMax}/s): ${hopResult.p99AtHalfOfMaxMs} ms  (target < 20 ms)`,
    );
  }
  console.log(`  results: ${file}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
