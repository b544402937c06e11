/**
 * `./switchboard bench messaging`: one hop of the bus against the real stack, beside the raw
 * ceiling of the same broker and the same hop built on the NestJS Kafka transport, all in one run.
 *
 * - ceiling: plain kafkajs, JSON values, produce → consume, no database;
 * - hop on the bus: a service process (hop-service.ts) consumes an OrderPlaced record, records it
 *   through the inbox and writes a BridgeReserved event to the outbox in one transaction per
 *   partition batch, its relay publishes it, and a reader here takes it off the second topic;
 * - hop on the NestJS transport (nest-hop-service.ts): the same work the way NestJS's
 *   documentation builds it — `@EventPattern` handler, one message at a time, JSON, `ClientKafka`;
 * - each hop on the service's own PGlite and on a throwaway database of the stack's PostgreSQL:
 *   the maximum from a backlog, then latency at paced rates including half of that maximum. Hop
 *   latency = arrival on the second topic − the moment the first record was produced;
 * - Avro work per event: serde encode + decode (header, registry cache, resolver);
 * - CPU per event of every process while the ceiling and each maximum run, and how many cores the
 *   hop would keep busy at half the ceiling's rate: what bounds its ratio to the ceiling.
 *
 * Every record of a hop must arrive once: a run that loses or doubles one fails. Traffic goes to
 * the stack on loopback only, is bounded in count and time, and the run deletes its topics.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { avroTypeOf, TOPICS, type TopicName } from '@switchboard/contracts';
import {
  applyTopics,
  createMessaging,
  type Messaging,
  plannedTopics,
  silenceKafkajsTimerWarning,
} from '@switchboard/messaging';
import { endpointsToEnv, type StackEndpoints } from '@switchboard/stack';
import { createTestDatabase } from '@switchboard/testing';
import { Partitioners } from 'kafkajs';
import { PLACED, type Placed, RESERVED, type Reserved, SERVICE } from './hop-common.ts';
import { sampleUsage, single, stackProcesses, type Usage, type Watched } from './resources.ts';
import { distribution, type Distribution, round } from './stats.ts';

export type DatabaseName = 'pglite' | 'postgres';
export type TransportName = 'bus' | 'nestjs';

export interface MessagingBenchOptions {
  readonly endpoints: StackEndpoints;
  /** Events the raw ceiling moves. */
  readonly ceilingEvents: number;
  /** The backlog each hop drains for its maximum, per transport (the NestJS one is far slower). */
  readonly backlog: Readonly<Record<TransportName, number>>;
  /** How long each paced rate is offered. */
  readonly pacedSeconds: number;
  readonly databases: readonly DatabaseName[];
  readonly log: (line: string) => void;
  readonly progress: (line: string) => void;
}

export const FULL_SIZE: Pick<
  MessagingBenchOptions,
  'ceilingEvents' | 'backlog' | 'pacedSeconds' | 'databases'
> = {
  // Large enough that each maximum is a few seconds of steady work, not the start of a pipeline.
  ceilingEvents: 100_000,
  backlog: { bus: 100_000, nestjs: 5_000 },
  pacedSeconds: 4,
  databases: ['pglite', 'postgres'],
};

export interface PacedHop {
  readonly offeredPerSecond: number;
  readonly achievedPerSecond: number;
  /** Production of the first record → arrival of the second. */
  readonly latency: Distribution;
  /** Production → the handler building the outgoing event (its occurredAt): fetch, queueing. */
  readonly toHandler: Distribution;
  /** The handler's event → arrival: the rest of its transaction, the relay or emit, the reader's fetch. */
  readonly fromHandler: Distribution;
}

/** CPU time per event over a phase: all watched processes together, and each that used any. */
export interface CpuPerEvent {
  /** How long the phase ran, start to last event. */
  readonly seconds: number;
  readonly totalMicros: number;
  readonly byProcess: Readonly<Record<string, number>>;
  /** Busy share of all the machine's cores over the phase, %. */
  readonly machineCpuPercent: number;
}

/** CPU per event of a phase that moved `events` events. */
function cpuPerEvent(usage: Usage, events: number): CpuPerEvent {
  const micros = (seconds: number): number => round((seconds * 1e6) / Math.max(1, events), 1);
  const byProcess = Object.fromEntries(
    Object.entries(usage.processes)
      .map(([name, p]) => [name, micros(p.cpuSeconds)] as const)
      .filter(([, value]) => value > 0)
      .sort((a, b) => b[1] - a[1]),
  );
  const total = Object.values(usage.processes).reduce((sum, p) => sum + p.cpuSeconds, 0);
  return {
    seconds: usage.seconds,
    totalMicros: micros(total),
    byProcess,
    machineCpuPercent: usage.machineCpuPercent,
  };
}

export interface HopResult {
  readonly transport: TransportName;
  readonly database: DatabaseName;
  readonly databaseLabel: string;
  readonly backlog: number;
  readonly maxSeconds: number;
  readonly maxEventsPerSecond: number;
  /** The hop's maximum over the raw ceiling's. */
  readonly ratioToCeiling: number;
  /** While the backlog drained: the service, this driver (reader), Kafka, PostgreSQL, … */
  readonly cpuAtMax: CpuPerEvent;
  /** Cores this hop would keep busy at half the ceiling's rate, at its CPU per event (the machine has `cores`). */
  readonly coresAtHalfOfCeiling: number;
  readonly halfOfMax: number;
  readonly p99AtHalfOfMaxMs: number;
  readonly paced: readonly PacedHop[];
  /** Every record produced, found arrived once. */
  readonly verified: { readonly produced: number; readonly arrived: number; readonly doubled: number };
}

export interface MessagingReport {
  readonly date: string;
  readonly node: string;
  readonly cores: number;
  readonly avro: {
    readonly iterations: number;
    readonly encodeMicros: number;
    readonly decodeMicros: number;
    readonly totalMicros: number;
    readonly bytes: number;
  };
  readonly ceiling: {
    readonly events: number;
    readonly seconds: number;
    readonly eventsPerSecond: number;
    readonly cpu: CpuPerEvent;
  };
  readonly hops: readonly HopResult[];
  /** Per database: the bus's maximum over the NestJS transport's on the same hop. */
  readonly busOverNest: readonly { readonly database: DatabaseName; readonly ratio: number }[];
}

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

/** How one transport's hop is started, fed and read. */
interface HopTransport {
  readonly name: TransportName;
  /** The service process's script. */
  readonly script: string;
  readonly placedTopic: string;
  readonly reservedTopic: string;
  /** The catalog topics it needs (created with their schemas' settings) and plain ones (3 partitions). */
  readonly catalogTopics: readonly TopicName[];
  readonly plainTopics: readonly string[];
  readonly env: Record<string, string>;
  encode(event: Placed): Buffer | string;
  decode(value: Buffer | null): Promise<Reserved>;
}

function busTransport(messaging: Messaging): HopTransport {
  return {
    name: 'bus',
    script: 'hop-service.ts',
    placedTopic: messaging.names.physical(PLACED),
    reservedTopic: messaging.names.physical(RESERVED),
    catalogTopics: [PLACED, RESERVED],
    plainTopics: [],
    env: { BENCH_TOPIC_PREFIX: messaging.names.prefix },
    encode: (event) => messaging.serde.encode(PLACED, event),
    decode: (value) => messaging.serde.decode(RESERVED, value),
  };
}

function nestTransport(messaging: Messaging): HopTransport {
  const placedTopic = `${messaging.names.prefix}nest.order-placed`;
  const reservedTopic = `${messaging.names.prefix}nest.bridge-reserved`;
  return {
    name: 'nestjs',
    script: 'nest-hop-service.ts',
    placedTopic,
    reservedTopic,
    catalogTopics: [],
    plainTopics: [placedTopic, reservedTopic],
    env: {
      BENCH_PLACED_TOPIC: placedTopic,
      BENCH_RESERVED_TOPIC: reservedTopic,
      BENCH_GROUP_ID: messaging.names.group('bench-nest-hop'),
    },
    encode: (event) => JSON.stringify(event),
    decode: async (value) => JSON.parse(value?.toString() ?? 'null') as Reserved,
  };
}

export async function runMessagingBench(options: MessagingBenchOptions): Promise<MessagingReport> {
  silenceKafkajsTimerWarning();
  const { endpoints, log } = options;
  const messagingFor = (): Messaging =>
    createMessaging({
      service: SERVICE,
      brokers: endpoints.kafkaBrokers,
      registryUrl: endpoints.schemaRegistryUrl,
      topicPrefix: `bench${randomUUID().slice(0, 8)}.`,
    });
  const date = new Date().toISOString();
  const messaging = messagingFor();
  log('Avro work per event');
  const avro = await avroWork(messaging);
  log(`raw ceiling: ${options.ceilingEvents} events through plain kafkajs`);
  const plain = `${messaging.names.prefix}ceiling`;
  const stack = await stackProcesses(endpoints);
  const ceiling = await withTopics(messaging, [], [plain], () =>
    rawCeiling(messaging.kafka, plain, options.ceilingEvents, [single('driver', process.pid), ...stack]),
  );
  const hops: HopResult[] = [];
  for (const database of options.databases) {
    for (const make of [busTransport, nestTransport]) {
      const hopMessaging = messagingFor();
      const transport = make(hopMessaging);
      const db =
        database === 'postgres' ? await createTestDatabase(endpoints.postgresUrl, 'bench_hop') : undefined;
      const databaseLabel = db
        ? `PostgreSQL at ${new URL(endpoints.postgresUrl).host}`
        : 'PGlite (in-process)';
      log(`hop on the ${transport.name === 'bus' ? 'bus' : 'NestJS Kafka transport'}, ${databaseLabel}`);
      try {
        const result = await withTopics(hopMessaging, transport.catalogTopics, transport.plainTopics, () =>
          hop(hopMessaging, transport, db?.url ?? '', options, stack),
        );
        hops.push({
          transport: transport.name,
          database,
          databaseLabel,
          ...result,
          ratioToCeiling: round(result.maxEventsPerSecond / ceiling.eventsPerSecond, 3),
          coresAtHalfOfCeiling: round((result.cpuAtMax.totalMicros * ceiling.eventsPerSecond) / 2 / 1e6, 2),
        });
      } finally {
        await db?.drop();
      }
    }
  }
  const busOverNest = options.databases.map((database) => {
    const max = (name: TransportName): number =>
      hops.find((h) => h.database === database && h.transport === name)?.maxEventsPerSecond ?? Number.NaN;
    return { database, ratio: round(max('bus') / max('nestjs'), 1) };
  });
  return { date, node: process.version, cores: cpus().length, avro, ceiling, hops, busOverNest };
}

/** Creates the run's own topics (the catalog's `catalog` with their settings, `plain` with 3 partitions), runs `work`, deletes them. */
async function withTopics<R>(
  messaging: Messaging,
  catalog: readonly TopicName[],
  plain: readonly string[],
  work: () => Promise<R>,
): Promise<R> {
  const admin = messaging.kafka.admin();
  await admin.connect();
  const plans = plannedTopics(Object.fromEntries(catalog.map((t) => [t, TOPICS[t]])), messaging.names, [
    SERVICE,
  ]);
  try {
    await applyTopics(admin, [...plans, ...plain.map((name) => ({ name, partitions: 3, configs: {} }))]);
    return await work();
  } finally {
    await admin.deleteTopics({ topics: [...plans.map((p) => p.name), ...plain] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Microseconds of Avro work per event on the bus's real path: encode with header, decode via resolver. */
async function avroWork(messaging: Messaging): Promise<MessagingReport['avro']> {
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
async function rawCeiling(
  kafka: Messaging['kafka'],
  topic: string,
  count: number,
  watched: readonly Watched[],
): Promise<MessagingReport['ceiling']> {
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
  const usage = sampleUsage(watched);
  const start = performance.now();
  for (let sent = 0; sent < count; sent += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: Math.min(500, count - sent) }, (_, i) => ({
        key: String((sent + i) % 64),
        value: payload,
      })),
    });
  }
  await Promise.race([finished, sleep(60_000)]);
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuPerEvent(usage.stop(), received);
  await Promise.all([producer.disconnect(), consumer.disconnect()]);
  if (received < count)
    throw new Error(`the raw ceiling received ${received} of ${count} events within 60 s`);
  return {
    events: received,
    seconds: round(seconds, 2),
    eventsPerSecond: round(received / seconds, 0),
    cpu,
  };
}

/**
 * Starts a hop's service in its own process on the given database and resolves once it has
 * prepared its tables, producer and schemas.
 */
async function startHopService(
  transport: HopTransport,
  endpoints: StackEndpoints,
  databaseUrl: string,
): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--conditions=@switchboard/source', '--import', 'tsx', join(import.meta.dirname, transport.script)],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        ...endpointsToEnv(endpoints),
        ...transport.env,
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
  transport: HopTransport,
  databaseUrl: string,
  options: MessagingBenchOptions,
  stack: readonly Watched[],
): Promise<
  Omit<HopResult, 'transport' | 'database' | 'databaseLabel' | 'ratioToCeiling' | 'coresAtHalfOfCeiling'>
> {
  const { progress } = options;
  if (transport.catalogTopics.length > 0) await messaging.serde.register(transport.catalogTopics);
  const service = await startHopService(transport, options.endpoints, databaseUrl);

  // Reader of the second topic: arrival times. Each latency is also split at the moment the
  // handler built the outgoing event (its occurredAt).
  const latencies: number[] = [];
  const before: number[] = [];
  const after: number[] = [];
  const arrivals: number[] = [];
  const orders = new Set<string>();
  let doubled = 0;
  const reader = messaging.kafka.consumer({ groupId: `bench-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await reader.connect();
  await reader.subscribe({ topic: transport.reservedTopic, fromBeginning: true });
  await reader.run({
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const message of batch.messages) {
        const event = await transport.decode(message.value);
        if (orders.has(event.orderId)) {
          doubled++;
          continue;
        }
        orders.add(event.orderId);
        latencies.push(now - event.startsAt);
        before.push(event.meta.occurredAt - event.startsAt);
        after.push(now - event.meta.occurredAt);
        arrivals.push(performance.now());
      }
    },
  });

  const generator = messaging.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await generator.connect();
  let produced = 0;
  const produce = async (count: number): Promise<void> => {
    const messages = Array.from({ length: count }, () => {
      const event = placedEvent();
      return { key: event.orderId, value: transport.encode(event) };
    });
    await generator.send({ topic: transport.placedTopic, acks: -1, messages });
    produced += count;
  };
  const drain = async (expected: number, timeoutMs: number, label: string): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (orders.size < expected && Date.now() < deadline) {
      progress(`${label}: ${orders.size} of ${expected} arrived`);
      await sleep(50);
    }
    if (orders.size < expected)
      throw new Error(`${label}: ${orders.size} of ${expected} events arrived within ${timeoutMs / 1000} s`);
  };

  // Maximum: a backlog drained as fast as the hop goes, timed between its 10th and 90th
  // percentile of arrivals so that joining the consumer group and the last stragglers do not count.
  const backlog = options.backlog[transport.name];
  for (let i = 0; i < backlog; i += 500) await produce(Math.min(500, backlog - i));
  const usage = sampleUsage([single('hop service', service.pid), single('driver', process.pid), ...stack]);
  service.send('start');
  await answer(service, 'started');
  await drain(backlog, 300_000, `draining a backlog of ${backlog}`);
  const cpuAtMax = cpuPerEvent(usage.stop(), backlog);
  const first = arrivals[Math.floor(backlog * 0.1)] ?? Number.NaN;
  const last = arrivals[Math.floor(backlog * 0.9)] ?? Number.NaN;
  const maxSeconds = (last - first) / 1000;
  const maxEventsPerSecond = round((Math.floor(backlog * 0.9) - Math.floor(backlog * 0.1)) / maxSeconds, 0);

  // Paced load: latency at rates up to and around half the maximum.
  const half = Math.max(50, Math.round(maxEventsPerSecond / 2));
  const rates = [...new Set([100, Math.round(half / 2), half, Math.round(half * 1.5)])].sort((a, b) => a - b);
  const paced: PacedHop[] = [];
  for (const rate of rates) {
    for (const list of [latencies, before, after]) list.length = 0;
    const arrivedBefore = orders.size;
    const tickMs = 20;
    const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
    const ticks = Math.round((options.pacedSeconds * 1000) / tickMs);
    const begin = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      await produce(perTick);
      progress(`offering ${rate}/s: ${orders.size - arrivedBefore} of ${(tick + 1) * perTick} arrived`);
      const wait = begin + (tick + 1) * tickMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await drain(arrivedBefore + perTick * ticks, 60_000, `offering ${rate}/s`);
    const elapsed = (performance.now() - begin) / 1000;
    paced.push({
      offeredPerSecond: rate,
      achievedPerSecond: round((orders.size - arrivedBefore) / elapsed, 0),
      latency: distribution(latencies),
      toHandler: distribution(before),
      fromHandler: distribution(after),
    });
  }
  // Anything arriving twice does so soon after the first: give it a moment to show.
  await sleep(500);

  const exited = new Promise((resolve) => service.once('exit', resolve));
  service.send('stop');
  await exited;
  await Promise.all([reader.disconnect(), generator.disconnect()]);
  return {
    backlog,
    maxSeconds: round(maxSeconds, 2),
    maxEventsPerSecond,
    halfOfMax: half,
    p99AtHalfOfMaxMs: paced.find((p) => p.offeredPerSecond === half)?.latency.p99Ms ?? Number.NaN,
    cpuAtMax,
    paced,
    verified: { produced, arrived: orders.size, doubled },
  };
}

const TRANSPORT_LABELS: Record<TransportName, string> = {
  bus: 'Switchboard bus',
  nestjs: 'NestJS Kafka transport',
};

/** `61.2 µs over 4.7 s (machine 92% busy): hop service 30.1, postgresql 20.4, …` */
function formatCpu(cpu: CpuPerEvent): string {
  const parts = Object.entries(cpu.byProcess).map(([name, micros]) => `${name} ${micros}`);
  return `${cpu.totalMicros} µs over ${cpu.seconds} s (machine ${cpu.machineCpuPercent}% busy): ${parts.join(', ')}`;
}

export function formatMessagingReport(report: MessagingReport): string {
  const { avro, ceiling } = report;
  const lines = [
    `messaging benchmark, ${report.date} (Node ${report.node}, ${report.cores} cores)`,
    'one hop: consume OrderPlaced → inbox + state + outbox in one transaction → publish BridgeReserved',
    '',
    `Avro work per event:  encode ${avro.encodeMicros} µs + decode ${avro.decodeMicros} µs = ${avro.totalMicros} µs  (target < 5 µs)`,
    `raw ceiling:          ${ceiling.eventsPerSecond} events/s  (plain kafkajs, JSON, produce → consume, no database)`,
    `  CPU per event ${formatCpu(ceiling.cpu)}`,
  ];
  for (const hopResult of report.hops) {
    lines.push(
      '',
      `${TRANSPORT_LABELS[hopResult.transport]} on ${hopResult.databaseLabel}:`,
      `  maximum ${hopResult.maxEventsPerSecond} events/s from a backlog of ${hopResult.backlog}; ratio to the raw ceiling ${hopResult.ratioToCeiling}${hopResult.transport === 'bus' ? '  (target ≥ 0.5)' : ''}`,
      `  CPU per event ${formatCpu(hopResult.cpuAtMax)}`,
      `  at half the ceiling (${Math.round(report.ceiling.eventsPerSecond / 2)}/s) this CPU per event would keep ${hopResult.coresAtHalfOfCeiling} cores busy; the machine has ${report.cores}`,
    );
    for (const p of hopResult.paced) {
      lines.push(
        `  offered ${String(p.offeredPerSecond).padStart(5)}/s  achieved ${String(p.achievedPerSecond).padStart(5)}/s  p50 ${p.latency.p50Ms} ms  p99 ${p.latency.p99Ms} ms  max ${p.latency.maxMs} ms  (p50/p99 to the handler ${p.toHandler.p50Ms}/${p.toHandler.p99Ms} ms, from it ${p.fromHandler.p50Ms}/${p.fromHandler.p99Ms} ms)`,
      );
    }
    lines.push(
      `  p99 at half of maximum (${hopResult.halfOfMax}/s): ${hopResult.p99AtHalfOfMaxMs} ms${hopResult.transport === 'bus' ? '  (target < 20 ms)' : ''}`,
      `  verified: ${hopResult.verified.arrived} of ${hopResult.verified.produced} arrived, ${hopResult.verified.doubled} twice`,
    );
  }
  lines.push('');
  for (const { database, ratio } of report.busOverNest) {
    lines.push(`bus / NestJS Kafka transport on ${database}: ${ratio}×  (target ≥ 10×)`);
  }
  return lines.join('\n');
}
