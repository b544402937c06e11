import { randomUUID } from 'node:crypto';
import type { EventOf } from '@switchboard/contracts';
import type { SqlExecutor } from '@switchboard/database';
import { waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchItem, EventConsumer, type EventHandler, HEADERS } from '../src/consumer.ts';
import { listDeadLetters, replayDeadLetters } from '../src/dead-letters.ts';
import { eventHandler } from '../src/event-handler.ts';
import type { Messaging } from '../src/messaging.ts';
import {
  headerText,
  isolatedMessaging,
  messagingDatabase,
  type OpenedDatabase,
  readTopic,
  sampleEvent,
  useIsolatedMessaging,
} from './support.ts';

const TOPIC = 'orders.order-placed.v1';
type Placed = EventOf<typeof TOPIC>;

/** Handles order-placed events, failing for the keys it is told to fail for. */
class RecordingHandler implements EventHandler<typeof TOPIC> {
  static readonly topic = TOPIC;
  readonly topic = TOPIC;
  readonly handled: string[] = [];
  readonly attempts = new Map<string, number>();
  constructor(private readonly failFor: Set<string>) {}
  async handle(_tx: SqlExecutor, event: Placed): Promise<void> {
    this.attempts.set(event.orderId, (this.attempts.get(event.orderId) ?? 0) + 1);
    if (this.failFor.has(event.orderId)) throw new RangeError(`cannot book order ${event.orderId}`);
    this.handled.push(event.orderId);
  }
}

describe('EventConsumer', () => {
  const service = 'it';
  const failing = randomUUID();
  const handler = new RecordingHandler(new Set([failing]));
  let messaging: Messaging;
  let cleanup: () => Promise<void>;
  let consumer: EventConsumer;
  let database: OpenedDatabase;

  beforeAll(async () => {
    database = await messagingDatabase();
    ({ messaging, cleanup } = await isolatedMessaging([TOPIC], [service]));
    await messaging.publisher.start([TOPIC]);
    consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
      service,
      handlers: [handler],
      database: database.db,
      names: messaging.names,
      retry: {
        attempts: 2,
        initialDelayMs: 10,
        maxDelayMs: 50,
        retryTopicAttempts: 1,
        retryTopicDelayMs: 300,
      },
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer.stop();
    await messaging.publisher.stop();
    await cleanup();
    await database.close();
  });

  async function publish(orderId: string): Promise<void> {
    await messaging.publisher.publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId });
  }

  it('parks a poison record in the dead-letter topic at once while later records still flow', async () => {
    const poisonKey = randomUUID();
    const after = randomUUID();
    const physical = messaging.names.physical(TOPIC);
    // Same key as `after`'s partition is not guaranteed, so the poison goes to every partition.
    const metadata = messaging.kafka.admin();
    await metadata.connect();
    const partitions =
      (await metadata.fetchTopicMetadata({ topics: [physical] })).topics[0]?.partitions.length ?? 1;
    await metadata.disconnect();
    const producer = messaging.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: physical,
      messages: Array.from({ length: partitions }, (_, partition) => ({
        key: poisonKey,
        value: Buffer.from('{"not":"avro"}'),
        partition,
      })),
    });
    await producer.disconnect();
    await publish(after);

    await waitFor(async () => (handler.handled.includes(after) ? true : undefined), {
      description: 'the record after the poison to be handled',
      timeoutMs: 30_000,
    });
    const dead = await readTopic(
      messaging,
      messaging.names.deadLetter(TOPIC, service),
      (r) => r.filter((m) => m.key?.toString() === poisonKey).length >= partitions,
    );
    const parked = dead.find((m) => m.key?.toString() === poisonKey);
    expect(parked?.value?.toString()).toBe('{"not":"avro"}');
    expect(headerText(parked!, HEADERS.errorClass)).toBe('UndecodableMessageError');
    expect(headerText(parked!, HEADERS.errorMessage)).toMatch(/bad magic byte/);
    expect(headerText(parked!, HEADERS.originalTopic)).toBe(physical);
    expect(Number(headerText(parked!, HEADERS.originalPartition))).toBeGreaterThanOrEqual(0);
    expect(headerText(parked!, HEADERS.originalOffset)).toMatch(/^\d+$/);
  });

  it('parks an event of a producer that does not own the topic with the reason, never applying it', async () => {
    const forged = randomUUID();
    const sample = sampleEvent(TOPIC);
    await messaging.publisher.publish(TOPIC, forged, {
      ...sample,
      orderId: forged,
      meta: { ...sample.meta, producer: 'billing' },
    });
    const dead = await readTopic(messaging, messaging.names.deadLetter(TOPIC, service), (r) =>
      r.some((m) => m.key?.toString() === forged),
    );
    const parked = dead.find((m) => m.key?.toString() === forged);
    expect(headerText(parked!, HEADERS.errorClass)).toBe('ImplausibleEventError');
    expect(headerText(parked!, HEADERS.errorMessage)).toBe(
      `meta.producer "billing" may not produce ${TOPIC} (its producers: orders)`,
    );
    expect(handler.attempts.has(forged)).toBe(false);
  });

  it('retries a failing handler with backoff, then via the retry topic, then dead-letters it with its story', async () => {
    const healthy = randomUUID();
    await publish(failing);
    await publish(healthy);

    const dead = await readTopic(messaging, messaging.names.deadLetter(TOPIC, service), (r) =>
      r.some((m) => m.key?.toString() === failing),
    );
    const parked = dead.find((m) => m.key?.toString() === failing);
    // 2 tries in process, then 2 more after one trip through the retry topic.
    expect(handler.attempts.get(failing)).toBe(4);
    expect(headerText(parked!, HEADERS.attempts)).toBe('4');
    expect(headerText(parked!, HEADERS.errorClass)).toBe('RangeError');
    expect(headerText(parked!, HEADERS.errorMessage)).toBe(`cannot book order ${failing}`);
    expect(headerText(parked!, HEADERS.originalTopic)).toBe(messaging.names.physical(TOPIC));
    expect(headerText(parked!, HEADERS.consumer)).toBe(service);
    expect(Date.parse(headerText(parked!, HEADERS.failedAt) ?? '')).toBeGreaterThan(Date.now() - 60_000);
    // The healthy record behind it was not held up by the failing one.
    expect(handler.handled).toContain(healthy);
    expect(await messaging.serde.decode(TOPIC, parked?.value ?? null)).toMatchObject({ orderId: failing });
  });
});

describe('dead letters', () => {
  const service = 'dlq-it';
  const bus = useIsolatedMessaging([TOPIC], [service]);
  let database: OpenedDatabase;
  beforeAll(async () => (database = await messagingDatabase()));
  afterAll(() => database.close());

  it('lists a parked record with its error, replays it once to its topic, where a fixed handler takes it', async () => {
    const messaging = bus();
    const orderId = randomUUID();
    const broken = new Set([orderId]);
    const handler = new RecordingHandler(broken);
    const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
      service,
      handlers: [handler],
      database: database.db,
      names: messaging.names,
      retry: { attempts: 1, retryTopicAttempts: 0 },
    });
    await consumer.start();
    try {
      await messaging.publisher.publish(TOPIC, orderId, { ...sampleEvent(TOPIC), orderId });
      const letters = await waitFor(
        async () => {
          const found = await listDeadLetters(messaging.kafka, messaging.names, TOPIC, service);
          return found.length > 0 ? found : undefined;
        },
        { description: 'the dead letter', timeoutMs: 30_000 },
      );
      expect(letters).toMatchObject([
        {
          key: orderId,
          errorClass: 'RangeError',
          attempts: '1',
          replayed: false,
          originalTopic: messaging.names.physical(TOPIC),
        },
      ]);

      broken.clear(); // the bug is fixed
      const replayed = await replayDeadLetters(
        messaging.kafka,
        messaging.publisher,
        messaging.names,
        TOPIC,
        service,
      );
      expect(replayed.map((d) => d.key)).toEqual([orderId]);
      await waitFor(async () => (handler.handled.includes(orderId) ? true : undefined), {
        description: 'the replayed record to be handled',
        timeoutMs: 30_000,
      });
      expect(
        await replayDeadLetters(messaging.kafka, messaging.publisher, messaging.names, TOPIC, service),
      ).toEqual([]);
      expect((await listDeadLetters(messaging.kafka, messaging.names, TOPIC, service))[0]?.replayed).toBe(
        true,
      );
    } finally {
      await consumer.stop();
    }
  });
});

describe('batch handling', () => {
  const service = 'batch-it';
  const bus = useIsolatedMessaging([TOPIC], [service]);
  let database: OpenedDatabase;
  beforeAll(async () => (database = await messagingDatabase()));
  afterAll(() => database.close());

  /** Sends order-placed records on one key, so one partition whose order matters; consumes them with `handler`. */
  async function onePartition(messaging: Messaging, handler: EventHandler<typeof TOPIC>) {
    const key = randomUUID();
    const producer = messaging.kafka.producer();
    await producer.connect();
    const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
      service,
      handlers: [handler],
      database: database.db,
      names: messaging.names,
      retry: { attempts: 1, retryTopicAttempts: 0 },
    });
    return {
      consumer,
      send: (ids: readonly string[]) =>
        producer.send({
          topic: messaging.names.physical(TOPIC),
          messages: ids.map((orderId) => ({
            key,
            value: messaging.serde.encode(TOPIC, { ...sampleEvent(TOPIC), orderId }),
          })),
        }),
      /** The dead letters, once there is one. */
      parked: () => readTopic(messaging, messaging.names.deadLetter(TOPIC, service), (r) => r.length >= 1),
      stop: async () => {
        await producer.disconnect();
        await consumer.stop();
      },
    };
  }

  it("hands a partition's records over together, and one bad record fails only itself", async () => {
    const messaging = bus();
    const bad = randomUUID();
    const good = Array.from({ length: 30 }, () => randomUUID());
    const handled: string[] = [];
    const batchSizes: number[] = [];
    class BatchHandler implements EventHandler<typeof TOPIC> {
      readonly topic = TOPIC;
      async handle(_tx: SqlExecutor, event: Placed): Promise<void> {
        if (event.orderId === bad) throw new TypeError('unusable order');
        handled.push(event.orderId);
      }
      async handleBatch(_tx: SqlExecutor, items: readonly BatchItem<typeof TOPIC>[]): Promise<void> {
        if (items.some((i) => i.event.orderId === bad)) throw new TypeError('unusable order in batch');
        batchSizes.push(items.length);
        handled.push(...items.map((i) => i.event.orderId));
      }
    }
    // Published before the consumer starts, so they wait as one backlog per partition.
    const producer = messaging.kafka.producer();
    await producer.connect();
    await producer.send({
      topic: messaging.names.physical(TOPIC),
      messages: [...good.slice(0, 15), bad, ...good.slice(15)].map((orderId) => ({
        key: orderId,
        value: messaging.serde.encode(TOPIC, { ...sampleEvent(TOPIC), orderId }),
      })),
    });
    await producer.disconnect();

    const consumer = new EventConsumer(messaging.kafka, messaging.serde, messaging.publisher, {
      service,
      handlers: [new BatchHandler()],
      database: database.db,
      names: messaging.names,
      retry: { attempts: 1, retryTopicAttempts: 0 },
    });
    await consumer.start();
    try {
      await waitFor(async () => (good.every((g) => handled.includes(g)) ? true : undefined), {
        description: 'every good record to be handled',
        timeoutMs: 30_000,
      });
      const dead = await readTopic(
        messaging,
        messaging.names.deadLetter(TOPIC, service),
        (r) => r.length >= 1,
      );
      expect(dead.map((m) => m.key?.toString())).toEqual([bad]);
      expect(headerText(dead[0]!, HEADERS.errorClass)).toBe('TypeError');
      expect([...handled].sort()).toEqual([...good].sort()); // each exactly once
      expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    } finally {
      await consumer.stop();
    }
  });

  it('runs a batched eventHandler once per record, in order, in one transaction per batch, its locks taken first', async () => {
    const messaging = bus();
    const bad = randomUUID();
    const orders = Array.from({ length: 40 }, () => randomUUID());
    class Bookings {
      readonly handled: { orderId: string; tx: string }[] = [];
      readonly lockedFirst: string[][] = [];
      async book(tx: SqlExecutor, event: Placed): Promise<void> {
        if (event.orderId === bad) throw new TypeError('unusable order');
        const { rows } = await tx.query<{ tx: string }>('SELECT txid_current()::text AS tx');
        this.handled.push({ orderId: event.orderId, tx: rows[0]?.tx ?? '' });
      }
    }
    const bookings = new Bookings();
    const Handler = eventHandler(TOPIC, Bookings, (target, tx, event) => target.book(tx, event), {
      batched: {
        lockFirst: async (target, _tx, events) => {
          target.lockedFirst.push(events.map((e) => e.orderId));
        },
      },
    });
    const { consumer, send, parked, stop } = await onePartition(messaging, new Handler(bookings));
    // A backlog before the consumer starts, so that it arrives in batches.
    await send(orders.slice(0, 20));
    await consumer.start();
    try {
      await waitFor(async () => (bookings.handled.length >= 20 ? true : undefined), {
        description: 'the backlog to be handled',
        timeoutMs: 30_000,
      });
      const backlog = [...bookings.handled];
      expect(backlog.map((h) => h.orderId)).toEqual(orders.slice(0, 20));
      expect(new Set(backlog.map((h) => h.tx)).size).toBeLessThan(20); // batches, not one transaction each
      expect(bookings.lockedFirst[0]).toEqual(orders.slice(0, bookings.lockedFirst[0]?.length));
      expect(bookings.lockedFirst[0]?.length).toBeGreaterThan(1);

      // A bad record among the next: it alone is parked, the rest handled once each, in order.
      await send([bad, ...orders.slice(20)]);
      const dead = await parked();
      expect(dead).toHaveLength(1);
      expect(headerText(dead[0]!, HEADERS.errorClass)).toBe('TypeError');
      await waitFor(
        async () => (orders.every((id) => bookings.handled.some((h) => h.orderId === id)) ? true : undefined),
        { description: 'every good record to be handled', timeoutMs: 30_000 },
      );
      // The failed batch's work was rolled back and done again one by one: the last try of each counts.
      const lastTry = new Map(bookings.handled.map((h, index) => [h.orderId, index]));
      expect([...lastTry.entries()].sort((x, y) => x[1] - y[1]).map(([id]) => id)).toEqual(orders);
    } finally {
      await stop();
    }
  });

  it("hands a handleAll eventHandler each batch whole, in order, with every record's context, and a failed batch's records to the one-event function", async () => {
    const messaging = bus();
    const bad = randomUUID();
    const orders = Array.from({ length: 40 }, () => randomUUID());
    class Bookings {
      readonly batches: { orderIds: string[]; offsets: number[] }[] = [];
      readonly alone: string[] = [];
      async bookAll(_tx: SqlExecutor, items: readonly BatchItem<typeof TOPIC>[]): Promise<void> {
        if (items.some((item) => item.event.orderId === bad)) throw new TypeError('unusable order');
        this.batches.push({
          orderIds: items.map((item) => item.event.orderId),
          offsets: items.map((item) => Number(item.context.offset)),
        });
      }
      async book(_tx: SqlExecutor, event: Placed): Promise<void> {
        if (event.orderId === bad) throw new TypeError('unusable order');
        this.alone.push(event.orderId);
      }
    }
    const bookings = new Bookings();
    const Handler = eventHandler(TOPIC, Bookings, (target, tx, event) => target.book(tx, event), {
      batched: { handleAll: (target, tx, items) => target.bookAll(tx, items) },
    });
    const { consumer, send, parked, stop } = await onePartition(messaging, new Handler(bookings));
    // A backlog before the consumer starts, so that it arrives in batches.
    await send(orders.slice(0, 20));
    await consumer.start();
    try {
      const handled = () => [...bookings.batches.flatMap((b) => b.orderIds), ...bookings.alone];
      await waitFor(async () => (handled().length >= 20 ? true : undefined), {
        description: 'the backlog to be handled',
        timeoutMs: 30_000,
      });
      expect(bookings.alone).toEqual([]);
      expect(bookings.batches.flatMap((b) => b.orderIds)).toEqual(orders.slice(0, 20));
      expect(bookings.batches.length).toBeLessThan(20);
      // Each item with its own record's context: the partition's offsets, one after the other.
      const offsets = bookings.batches.flatMap((b) => b.offsets);
      expect(offsets).toEqual(offsets.map((_, index) => (offsets[0] ?? 0) + index));

      // A bad record: its batch is handled again record by record, the bad one alone parked.
      await send([bad, ...orders.slice(20)]);
      const dead = await parked();
      expect(dead).toHaveLength(1);
      await waitFor(async () => (orders.every((id) => handled().includes(id)) ? true : undefined), {
        description: 'every good record to be handled',
        timeoutMs: 30_000,
      });
      expect(bookings.alone.length).toBeGreaterThan(0);
      expect(handled().sort()).toEqual([...orders].sort()); // each once
    } finally {
      await stop();
    }
  });
});
